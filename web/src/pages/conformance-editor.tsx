import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ok } from '../api.ts';
import { ActionButton, Badge, Field, Form, QueryView, Table, when } from '../components.tsx';
import { conformanceKeys } from './conformance.tsx';

type Suite = Awaited<ReturnType<typeof fetchSuites>>[number];
type Case = Suite['cases'][number];

async function fetchSuites() {
  return (await ok(api.GET('/api/v1/conformance/suites'))).items;
}

/**
 * The operator's suite editor (operator console, Conformance tab): reorder, retire or restore a
 * case, add one (JSON, validated by the server: a malformed case is refused naming the field).
 * Each save writes the whole suite with the version it was read at, so two operators cannot
 * overwrite each other unseen; it applies to production requests made after it.
 */
export function ConformanceSuitesAdmin() {
  const q = useQuery({ queryKey: conformanceKeys.suites, queryFn: fetchSuites });
  return (
    <QueryView q={q} label="Loading suites…">
      {(suites) => (
        <>
          {suites.map((s) => (
            <SuiteEditor key={s.productSlug} suite={s} reload={() => q.refetch()} />
          ))}
          <NewSuite reload={() => q.refetch()} />
        </>
      )}
    </QueryView>
  );
}

async function save(productSlug: string, cases: Case[], version?: number) {
  return ok(
    api.PUT('/api/v1/admin/conformance/suites/{productSlug}', {
      params: { path: { productSlug } },
      body: { cases: cases as unknown as Array<Record<string, unknown>>, version },
    }),
  );
}

function SuiteEditor(props: { suite: Suite; reload: () => Promise<unknown> }) {
  const { suite } = props;
  const [note, setNote] = useState<string | null>(null);
  const write = async (cases: Case[]) => {
    const r = await save(suite.productSlug, cases, suite.version);
    setNote(
      `Saved as version ${r.version}: ${r.reevaluated.passes} pass(es) found in ${r.reevaluated.calls} stored call(s).`,
    );
    await props.reload();
  };
  const move = (i: number, d: -1 | 1) => {
    const next = [...suite.cases];
    const [c] = next.splice(i, 1);
    next.splice(i + d, 0, c!);
    return write(next);
  };
  return (
    <section className="card" aria-labelledby={`ed-${suite.productSlug}`}>
      <h2 id={`ed-${suite.productSlug}`}>
        {suite.productSlug} <span className="muted small">version {suite.version}</span>
      </h2>
      <p className="muted small">
        {suite.activeCases} active case(s) · changed {when(suite.updatedAt)}
      </p>
      {note ? (
        <p role="status" className="small">
          {note}
        </p>
      ) : null}
      <Table caption={`Cases of ${suite.productSlug}`} head={['#', 'Case', 'Proved by', 'State', 'Actions']}>
        {suite.cases.map((c, i) => (
          <tr key={c.id} data-case={c.id}>
            <td>{i + 1}</td>
            <td>
              <strong>{c.title}</strong> <span className="muted small mono">{c.id}</span>
            </td>
            <td className="small">
              {c.operations.join(' | ')} → {c.networkCodes.join(' / ')}
              {c.after
                ? ` after ${c.after.operations.join(' | ')} → ${c.after.networkCodes.join(' / ')}`
                : ''}
            </td>
            <td>
              <Badge status={c.retired ? 'retired' : 'active'} />
            </td>
            <td className="row-actions">
              <ActionButton label={`Move ${c.id} up`} onClick={() => (i > 0 ? move(i, -1) : undefined)}>
                ↑
              </ActionButton>
              <ActionButton
                label={`Move ${c.id} down`}
                onClick={() => (i < suite.cases.length - 1 ? move(i, 1) : undefined)}
              >
                ↓
              </ActionButton>
              <ActionButton
                variant={c.retired ? 'secondary' : 'danger'}
                onClick={() =>
                  write(suite.cases.map((x) => (x.id === c.id ? { ...x, retired: !x.retired } : x)))
                }
              >
                {c.retired ? `Restore ${c.id}` : `Retire ${c.id}`}
              </ActionButton>
            </td>
          </tr>
        ))}
      </Table>
      <Form
        label={`Add a case to ${suite.productSlug}`}
        submitLabel="Add case"
        onSubmit={async (v, form) => {
          const added = JSON.parse(String(v.caseJson ?? '')) as Case;
          await write([...suite.cases, added]);
          form.reset();
        }}
      >
        <Field
          name="caseJson"
          aliases={[`cases[${suite.cases.length}]`]}
          label="New case (JSON: id, title, operations, networkCodes, match, after)"
          type="textarea"
          rows={4}
          required
        />
      </Form>
    </section>
  );
}

/** A suite for a product that has none (an empty suite still blocks production). */
function NewSuite(props: { reload: () => Promise<unknown> }) {
  return (
    <section className="card" aria-labelledby="ed-new">
      <h2 id="ed-new">Write a suite for another product</h2>
      <Form
        label="New suite"
        submitLabel="Create suite"
        onSubmit={async (v, form) => {
          const cases = JSON.parse(String(v.cases || '[]')) as Case[];
          await save(String(v.productSlug ?? '').trim(), cases);
          form.reset();
          await props.reload();
        }}
      >
        <Field name="productSlug" label="Product (slug)" required />
        <Field name="cases" label="Cases (JSON array)" type="textarea" rows={4} />
      </Form>
    </section>
  );
}
