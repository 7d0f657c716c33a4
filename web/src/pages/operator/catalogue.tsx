import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, api, ok } from '../../api.ts';
import { PlansTable } from '../../components/plans.tsx';
import { ActionButton, Badge, Field, Form, QueryView } from '../../components.tsx';
import { isJsonObject, oneOf } from '../../form-values.ts';
import { catalogKeys } from '../public/queries.ts';
import { operatorKeys } from './queries.ts';

/** The operator's catalogue: products, their plans, API versions and lifecycle (deprecate, retire). */

const RATE_PERIODS = ['second', 'minute', 'hour', 'day', 'week'] as const;

export function CatalogueAdmin() {
  const q = useQuery({
    queryKey: operatorKeys.products,
    queryFn: async () =>
      (await ok(api.GET('/api/v1/products', { params: { query: { all: 'true' } } }))).items,
  });
  const qc = useQueryClient();
  const refresh = async () => {
    await q.refetch();
    await qc.invalidateQueries({ queryKey: catalogKeys.products });
  };
  const lifecycle = async (step: 'deprecate' | 'retire', slug: string) => {
    const note = window.prompt('Note for subscribers (what to use instead, until when)');
    if (note === null) return;
    const init = { params: { path: { slug } }, body: { note: note.trim() || undefined } };
    if (step === 'deprecate') await ok(api.POST('/api/v1/admin/products/{slug}/deprecate', init));
    else await ok(api.POST('/api/v1/admin/products/{slug}/retire', init));
    await refresh();
  };
  return (
    <>
      <details className="disclosure card">
        <summary>New product</summary>
        <Form
          submitLabel="Create product (draft)"
          onSubmit={async (v, form) => {
            await ok(
              api.POST('/api/v1/admin/products', {
                body: {
                  slug: String(v.slug ?? '').trim(),
                  name: String(v.name ?? '').trim(),
                  description: String(v.description ?? ''),
                },
              }),
            );
            form.reset();
            await refresh();
          }}
        >
          <Field name="name" label="Name" required />
          <Field
            name="slug"
            label="Short name (slug)"
            required
            hint="Lower-case letters, digits and dashes."
          />
          <Field name="description" label="Description (markdown)" type="textarea" rows={3} />
        </Form>
      </details>
      <QueryView q={q} label="Loading the catalogue…">
        {(list) => (
          <div className="stack">
            {list.map((p) => (
              <article key={p.id} className="card">
                <div className="card-head">
                  <h2 className="h3">
                    {p.name} <span className="muted small">({p.slug})</span> <Badge status={p.status} />
                  </h2>
                  <span className="row-actions">
                    {p.status === 'draft' ? (
                      <ActionButton
                        variant="primary"
                        onClick={async () => {
                          await ok(
                            api.POST('/api/v1/admin/products/{slug}/publish', {
                              params: { path: { slug: p.slug } },
                            }),
                          );
                          await refresh();
                        }}
                      >
                        Publish
                      </ActionButton>
                    ) : null}
                    {p.status === 'published' ? (
                      <ActionButton onClick={() => lifecycle('deprecate', p.slug)}>Deprecate</ActionButton>
                    ) : null}
                    {p.status === 'published' || p.status === 'deprecated' ? (
                      <ActionButton variant="danger" onClick={() => lifecycle('retire', p.slug)}>
                        Retire
                      </ActionButton>
                    ) : null}
                  </span>
                </div>
                <p className="small">
                  APIs:{' '}
                  {p.apis
                    .map((a) => `${a.name} ${a.version} (${a.operations.length} operations)`)
                    .join(', ') || 'none'}
                </p>
                <PlansTable plans={p.plans} caption={`Plans of ${p.name}`} />
                <details className="disclosure">
                  <summary>New plan for {p.name}</summary>
                  <Form
                    submitLabel="Create plan"
                    onSubmit={async (v, form) => {
                      const num = (x: unknown) => (String(x ?? '').trim() ? Number(x) : null);
                      const rate = num(v.rateLimit);
                      const cap = num(v.endUserCap);
                      await ok(
                        api.POST('/api/v1/admin/products/{slug}/plans', {
                          params: { path: { slug: p.slug } },
                          body: {
                            name: String(v.name ?? '').trim(),
                            description: String(v.description ?? ''),
                            rateLimits: rate
                              ? [{ period: oneOf(v.ratePeriod, RATE_PERIODS, 'hour'), limit: rate }]
                              : [],
                            burst: num(v.burst),
                            quotaDay: num(v.quotaDay),
                            quotaMonth: num(v.quotaMonth),
                            endUserCap: cap ? { limit: cap, period: 'month' } : null,
                            approvalRequired: v.approvalRequired === true,
                          },
                        }),
                      );
                      form.reset();
                      await refresh();
                    }}
                  >
                    <Field name="name" label="Plan name" required />
                    <Field name="description" label="Description" />
                    <div className="grid-2 tight">
                      <Field name="rateLimit" label="Rate limit (calls)" type="number" min="1" />
                      <Field
                        name="ratePeriod"
                        label="per"
                        defaultValue="hour"
                        options={RATE_PERIODS.map((x) => ({
                          value: x,
                          label: x,
                        }))}
                      />
                      <Field name="burst" label="Burst" type="number" min="1" />
                      <Field name="endUserCap" label="Distinct end users a month" type="number" min="1" />
                      <Field name="quotaDay" label="Daily quota" type="number" min="1" />
                      <Field name="quotaMonth" label="Monthly quota" type="number" min="1" />
                    </div>
                    <Field
                      name="approvalRequired"
                      type="checkbox"
                      label="Subscriptions need an operator's approval"
                    />
                  </Form>
                </details>
                <details className="disclosure">
                  <summary>Add an API version (OpenAPI 3.1 document)</summary>
                  <Form
                    submitLabel="Add API version"
                    codeFields={{ invalid_openapi: 'openapi' }}
                    onSubmit={async (v, form) => {
                      let doc: unknown;
                      try {
                        doc = JSON.parse(String(v.openapi ?? ''));
                      } catch {}
                      if (!isJsonObject(doc)) {
                        throw new ApiError(
                          400,
                          'invalid_openapi',
                          'The document is not valid JSON.',
                          undefined,
                          [{ field: 'openapi', message: 'must be a JSON OpenAPI document' }],
                        );
                      }
                      await ok(
                        api.POST('/api/v1/admin/products/{slug}/apis', {
                          params: { path: { slug: p.slug } },
                          body: { openapi: doc },
                        }),
                      );
                      form.reset();
                      await refresh();
                    }}
                  >
                    <Field name="openapi" label="OpenAPI document (JSON)" type="textarea" rows={8} required />
                  </Form>
                </details>
              </article>
            ))}
          </div>
        )}
      </QueryView>
    </>
  );
}
