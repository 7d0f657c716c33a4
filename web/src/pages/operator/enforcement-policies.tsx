import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ok } from '../../api.ts';
import { useEnforcementReasons } from '../../components/enforcement.tsx';
import { Badge, Empty, Field, Form, QueryView, Table, when } from '../../components.tsx';
import { oneOf } from '../../form-values.ts';
import { operatorKeys } from './queries.ts';

const POLICY_ACTIONS = ['warn', 'suspend_app', 'suspend_org', 'terminate_org'] as const;
const TRIGGER_KINDS = ['detector', 'incident_count', 'breach_confirmed'] as const;
const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;

type Policy = { id: string; name: string; trigger: Trigger };
type Severity = (typeof SEVERITIES)[number];
type Trigger =
  | { kind: 'breach_confirmed'; breachType: string }
  | { kind: 'detector'; detector: string; minSeverity: Severity; afterHours: number }
  | { kind: 'incident_count'; minSeverity: Severity; count: number; days: number };

/** A trigger as the operator reads it. */
function triggerText(t: Trigger): string {
  if (t.kind === 'breach_confirmed') return `an incident is confirmed as “${t.breachType}”`;
  if (t.kind === 'detector')
    return `the ${t.detector.replace('_', ' ')} detector reports a ${t.minSeverity}+ incident${t.afterHours ? ` still open after ${t.afterHours} h` : ''}`;
  return `an organisation has ${t.count} ${t.minSeverity}+ incidents within ${t.days} days`;
}

function triggerOf(v: Record<string, unknown>): Trigger {
  const kind = oneOf(v.kind, TRIGGER_KINDS, 'detector');
  const minSeverity = oneOf(v.minSeverity, SEVERITIES, 'high');
  if (kind === 'breach_confirmed') return { kind, breachType: String(v.breachType ?? '').trim() };
  if (kind === 'detector')
    return {
      kind,
      detector: String(v.detector ?? '').trim(),
      minSeverity,
      afterHours: Number(v.afterHours || 0),
    };
  return { kind, minSeverity, count: Number(v.count || 3), days: Number(v.days || 30) };
}

/** What a policy would have done over the last 30 days of incidents (the dry run), acting on nothing. */
function DryRun({ policy }: { policy: Policy }) {
  const [shown, setShown] = useState(false);
  const q = useQuery({
    queryKey: ['admin-policy-dry-run', policy.id],
    enabled: shown,
    queryFn: async () =>
      ok(
        api.POST('/api/v1/admin/enforcement-policies/{policyId}/dry-run', {
          params: { path: { policyId: policy.id } },
        }),
      ),
  });
  if (!shown)
    return (
      <button
        type="button"
        className="btn btn-secondary"
        onClick={() => setShown(true)}
        aria-label={`Dry run ${policy.name}`}
      >
        Dry run
      </button>
    );
  return (
    <QueryView q={q} label="Running the policy over 30 days of incidents…">
      {(r) => (
        <div role="status">
          <p className="small">
            Over {r.evaluated} incidents since {when(r.from)}: would act{' '}
            {r.outcomes.filter((o) => !o.skipped).length} times, skip{' '}
            {r.outcomes.filter((o) => o.skipped).length}.
          </p>
          {r.outcomes.length > 0 ? (
            <Table
              caption={`Dry run of ${policy.name}`}
              head={['Incident', 'Subject', 'Would', 'Skipped because']}
            >
              {r.outcomes.slice(0, 50).map((o) => (
                <tr key={o.incidentId}>
                  <td>
                    {o.detector} · {o.severity} · {when(o.at)}
                  </td>
                  <td>
                    {o.subject.kind} {o.subject.id}
                  </td>
                  <td>{o.action.replace('_', ' ')}</td>
                  <td>{o.skipped ?? '—'}</td>
                </tr>
              ))}
            </Table>
          ) : null}
        </div>
      )}
    </QueryView>
  );
}

/**
 * Enforcement policies (trigger → action), one screen: triggers are a breach type an operator
 * confirms, a detector's incident, or an organisation's count of incidents; each policy can be
 * dry-run over the last 30 days before it is switched on, and ships switched off.
 */
export function PoliciesAdmin() {
  const reasons = useEnforcementReasons();
  const q = useQuery({
    queryKey: operatorKeys.policies,
    queryFn: async () => (await ok(api.GET('/api/v1/admin/enforcement-policies'))).items,
  });
  return (
    <>
      <QueryView q={q} label="Loading policies…">
        {(list) =>
          list.length === 0 ? (
            <Empty>No enforcement policies.</Empty>
          ) : (
            <Table caption="Enforcement policies" head={['Policy', 'When', 'Then', 'State', '', 'Dry run']}>
              {list.map((p) => (
                <tr key={p.id}>
                  <td>
                    <strong>{p.name}</strong>
                    <div className="muted small">{p.description || `changed ${when(p.updatedAt)}`}</div>
                  </td>
                  <td>{triggerText(p.trigger)}</td>
                  <td>{p.action.replace('_', ' ')}</td>
                  <td>
                    <Badge status={p.enabled ? 'active' : 'disabled'} />
                  </td>
                  <td>
                    <button
                      type="button"
                      className="btn btn-secondary"
                      aria-label={`${p.enabled ? 'Switch off' : 'Switch on'} ${p.name}`}
                      onClick={async () => {
                        await ok(
                          api.PATCH('/api/v1/admin/enforcement-policies/{policyId}', {
                            params: { path: { policyId: p.id } },
                            body: { enabled: !p.enabled },
                          }),
                        );
                        await q.refetch();
                      }}
                    >
                      {p.enabled ? 'Switch off' : 'Switch on'}
                    </button>
                  </td>
                  <td>
                    <DryRun policy={p} />
                  </td>
                </tr>
              ))}
            </Table>
          )
        }
      </QueryView>
      <h2>New policy</h2>
      <Form
        submitLabel="Create policy"
        onSubmit={async (v, form) => {
          await ok(
            api.POST('/api/v1/admin/enforcement-policies', {
              body: {
                name: String(v.name ?? '').trim(),
                description: String(v.description ?? '').trim(),
                trigger: triggerOf(v),
                action: oneOf(v.action, POLICY_ACTIONS, 'warn'),
                reasonCategory: oneOf(
                  v.reasonCategory,
                  reasons.data?.map((r) => r.category) ?? ['other'],
                  'other',
                ),
                enabled: v.enabled === true,
              },
            }),
          );
          form.reset();
          await q.refetch();
        }}
      >
        <Field name="name" label="Name" required />
        <Field name="description" label="Description" />
        <Field
          name="kind"
          label="When"
          options={[
            { value: 'detector', label: 'a detector reports an incident' },
            { value: 'incident_count', label: 'an organisation collects incidents' },
            { value: 'breach_confirmed', label: 'an operator confirms a breach type' },
          ]}
        />
        <Field name="detector" label="Detector (for a detector trigger, e.g. pen_test)" />
        <Field
          name="minSeverity"
          label="At least severity"
          options={SEVERITIES.map((s) => ({ value: s, label: s }))}
        />
        <Field
          name="afterHours"
          label="Only once open for (hours; 0 at once)"
          type="number"
          min="0"
          max="720"
        />
        <Field name="count" label="Incidents (for a count trigger)" type="number" min="2" max="1000" />
        <Field name="days" label="Within days (for a count trigger)" type="number" min="1" max="90" />
        <Field
          name="breachType"
          label="Breach type (for a confirmed breach, lower-case, e.g. sublicensing)"
        />
        <Field
          name="action"
          label="Action"
          options={POLICY_ACTIONS.map((a) => ({ value: a, label: a.replace('_', ' ') }))}
        />
        <Field
          name="reasonCategory"
          label="Reason category"
          options={(reasons.data ?? []).map((r) => ({ value: r.category, label: r.label }))}
        />
        <Field name="enabled" label="Switched on" type="checkbox" />
      </Form>
    </>
  );
}
