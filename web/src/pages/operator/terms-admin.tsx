import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { TermsVersion } from '../../api/views.ts';
import { api, ok } from '../../api.ts';
import { Badge, day, Field, Form, Notice, QueryView, when } from '../../components.tsx';
import { oneOf } from '../../form-values.ts';
import { Markdown } from '../../markdown.tsx';
import { termsKeys } from '../terms/queries.ts';

/** The operator's terms documents: new documents, drafts and publishing a version. */

export function TermsAdmin() {
  const qc = useQueryClient();
  const docs = useQuery({
    queryKey: termsKeys.documents,
    queryFn: async () => (await ok(api.GET('/api/v1/terms/documents'))).items,
  });
  const drafts = useQuery({
    queryKey: termsKeys.drafts,
    queryFn: async () => (await ok(api.GET('/api/v1/admin/terms/drafts'))).items,
  });
  const refresh = async () => {
    await qc.invalidateQueries({ queryKey: termsKeys.documents });
    await drafts.refetch();
  };
  return (
    <>
      <Notice>
        A standard change takes effect no sooner than the notice period after publication. New functions and
        legal changes may take effect at once. Everyone affected is notified when you publish.
      </Notice>
      <details className="disclosure card">
        <summary>New terms document (for example a product's additional terms)</summary>
        <Form
          submitLabel="Create document"
          onSubmit={async (v, form) => {
            await ok(
              api.POST('/api/v1/admin/terms/documents', {
                body: {
                  slug: String(v.slug ?? '').trim(),
                  title: String(v.title ?? '').trim(),
                  kind: oneOf(v.kind, ['additional', 'policy', 'guideline', 'general'], 'additional'),
                  productSlug: String(v.productSlug ?? '').trim() || null,
                },
              }),
            );
            form.reset();
            await refresh();
          }}
        >
          <Field name="title" label="Title" required />
          <Field
            name="slug"
            label="Short name (slug)"
            required
            hint="Lower-case letters, digits and dashes."
          />
          <Field
            name="kind"
            label="Kind"
            defaultValue="additional"
            options={[
              { value: 'additional', label: "A product's additional terms" },
              { value: 'policy', label: 'Policy' },
              { value: 'guideline', label: 'Guideline' },
            ]}
          />
          <Field name="productSlug" label="Product (for additional terms)" placeholder="e.g. ibft" />
        </Form>
      </details>
      <QueryView q={docs} label="Loading documents…">
        {(list) => (
          <div className="stack">
            {list.map((d) => {
              const myDrafts = (drafts.data ?? []).filter(
                (v) => v.documentId === d.id && v.status === 'draft',
              );
              return (
                <article key={d.id} className="card">
                  <div className="card-head">
                    <h2 className="h3">
                      {d.title}{' '}
                      <span className="muted small">
                        ({d.kind}
                        {d.productSlug ? `, ${d.productSlug}` : ''})
                      </span>
                    </h2>
                    <span className="small">
                      {d.inForce
                        ? `v${d.inForce.version} in force since ${day(d.inForce.effectiveAt)}`
                        : 'nothing in force'}
                    </span>
                  </div>
                  {d.pending.map((p) => (
                    <p key={p.id} className="small">
                      <Badge status="scheduled" /> v{p.version} effective {when(p.effectiveAt)} — {p.summary}
                    </p>
                  ))}
                  {myDrafts.map((v) => (
                    <DraftEditor key={v.id} draft={v} onChange={refresh} />
                  ))}
                  {myDrafts.length === 0 ? (
                    <details className="disclosure">
                      <summary>Draft a new version</summary>
                      <Form
                        submitLabel="Save draft"
                        onSubmit={async (v) => {
                          await ok(
                            api.POST('/api/v1/admin/terms/documents/{documentId}/drafts', {
                              params: { path: { documentId: d.id } },
                              body: {
                                bodyMd: String(v.bodyMd ?? ''),
                                summary: String(v.summary ?? '').trim(),
                                changeClass: oneOf(
                                  v.changeClass,
                                  ['standard', 'new_function', 'legal'],
                                  'standard',
                                ),
                              },
                            }),
                          );
                          await refresh();
                        }}
                      >
                        <Field name="summary" label="Summary of changes" required />
                        <Field
                          name="changeClass"
                          label="Kind of change"
                          defaultValue="standard"
                          options={[
                            { value: 'standard', label: 'Standard (notice period applies)' },
                            { value: 'new_function', label: 'New function (may apply at once)' },
                            { value: 'legal', label: 'Legal reasons (may apply at once)' },
                          ]}
                        />
                        <Field
                          name="bodyMd"
                          label="Text (markdown)"
                          type="textarea"
                          rows={10}
                          required
                          defaultValue={d.inForce?.bodyMd ?? ''}
                        />
                      </Form>
                    </details>
                  ) : null}
                </article>
              );
            })}
          </div>
        )}
      </QueryView>
    </>
  );
}

function DraftEditor(props: { draft: TermsVersion & { documentId: string }; onChange: () => Promise<void> }) {
  const v = props.draft;
  const [preview, setPreview] = useState(false);
  const minDate = new Date(Date.now() + 15 * 86_400_000).toISOString().slice(0, 10);
  return (
    <div className="draft">
      <h3>
        Draft: {v.summary} <Badge status="draft" />{' '}
        <span className="muted small">({v.changeClass.replace('_', ' ')})</span>
      </h3>
      <button
        type="button"
        className="btn btn-link"
        aria-expanded={preview}
        onClick={() => setPreview(!preview)}
      >
        {preview ? 'Hide preview' : 'Preview the text'}
      </button>
      {preview ? (
        <div className="preview">
          <Markdown text={v.bodyMd} headingOffset={3} />
        </div>
      ) : null}
      <Form
        label={`Publish the draft "${v.summary}"`}
        submitLabel="Publish"
        codeFields={{ notice_period_too_short: 'effectiveAt', terms_notice_too_short: 'effectiveAt' }}
        onSubmit={async (vals) => {
          const d = String(vals.effectiveAt ?? '');
          await ok(
            api.POST('/api/v1/admin/terms/drafts/{versionId}/publish', {
              params: { path: { versionId: v.id } },
              body: { effectiveAt: d ? new Date(`${d}T00:00:00Z`).toISOString() : undefined },
            }),
          );
          await props.onChange();
        }}
      >
        <Field
          name="effectiveAt"
          label="Takes effect on"
          type="date"
          hint={
            v.changeClass === 'standard'
              ? `A standard change needs the notice period: not before ${minDate}. Leave empty for the earliest allowed date.`
              : 'Leave empty to take effect at publication.'
          }
        />
      </Form>
    </div>
  );
}
