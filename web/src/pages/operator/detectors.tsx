import { useQuery } from '@tanstack/react-query';
import { api, ok } from '../../api.ts';
import { Badge, Field, Form, QueryView, when } from '../../components.tsx';

/**
 * The misuse detectors: each one's rule, the terms clause it concerns, its thresholds (changed
 * here; a value out of bounds is refused naming the field) and whether it runs; and how the
 * detectors keep up in this process (evaluated, shed, waiting, reported). Incidents they open are
 * in the Incidents tab; what happens automatically is in Enforcement policies.
 */
export function DetectorsAdmin() {
  const q = useQuery({
    queryKey: ['admin-detectors'],
    queryFn: async () => ok(api.GET('/api/v1/admin/detectors')),
  });
  return (
    <QueryView q={q} label="Loading detectors…">
      {({ items, engine }) => (
        <>
          <p className="muted small" role="status">
            {engine.running ? 'Watching this process’s gateway calls' : 'No gateway in this process'}:{' '}
            {engine.processed.toLocaleString()} evaluated, {engine.shed.toLocaleString()} shed,{' '}
            {engine.queued.toLocaleString()} waiting (lag {Math.round(engine.lagMs)} ms), {engine.reported}{' '}
            incidents reported.
          </p>
          {items.map((d) => (
            <section key={d.id} aria-labelledby={`det-${d.id}`} className="card">
              <h2 id={`det-${d.id}`}>
                {d.title} <Badge status={d.enabled ? 'active' : 'disabled'} />
              </h2>
              <p>{d.rule}</p>
              <p className="muted small">
                Severity {d.severity} · {d.termsClause}
                {d.updatedAt ? ` · changed ${when(d.updatedAt)}` : ' · defaults'}
              </p>
              <Form
                label={`Thresholds of ${d.title}`}
                submitLabel="Save"
                onSubmit={async (v) => {
                  const thresholds: Record<string, number> = {};
                  for (const k of Object.keys(d.thresholds)) thresholds[k] = Number(v[k]);
                  await ok(
                    api.PATCH('/api/v1/admin/detectors/{detectorId}', {
                      params: { path: { detectorId: d.id } },
                      body: { enabled: v.enabled === true, thresholds },
                    }),
                  );
                  await q.refetch();
                }}
              >
                {Object.entries(d.thresholds).map(([k, value]) => (
                  <Field
                    key={k}
                    name={k}
                    aliases={[`thresholds.${k}`]}
                    label={`${k} (default ${d.defaults[k]})`}
                    type="number"
                    defaultValue={String(value)}
                    required
                  />
                ))}
                <Field name="enabled" label="Running" type="checkbox" defaultValue={String(d.enabled)} />
              </Form>
            </section>
          ))}
        </>
      )}
    </QueryView>
  );
}
