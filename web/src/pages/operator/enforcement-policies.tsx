import { useQuery } from '@tanstack/react-query';
import { api, ok } from '../../api.ts';
import { useEnforcementReasons } from '../../components/enforcement.tsx';
import { Badge, Empty, Field, Form, QueryView, Table, when } from '../../components.tsx';
import { oneOf } from '../../form-values.ts';
import { operatorKeys } from './queries.ts';

const POLICY_ACTIONS = ['warn', 'suspend_app', 'suspend_org', 'terminate_org'] as const;

/**
 * Enforcement policies (trigger → action), switched on and off here. The first trigger is "an
 * incident confirmed as breach type X"; a policy ships switched off.
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
            <Table caption="Enforcement policies" head={['Policy', 'When', 'Then', 'State', '']}>
              {list.map((p) => (
                <tr key={p.id}>
                  <td>
                    <strong>{p.name}</strong>
                    <div className="muted small">{p.description || `changed ${when(p.updatedAt)}`}</div>
                  </td>
                  <td>an incident is confirmed as “{p.trigger.breachType}”</td>
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
                trigger: { kind: 'breach_confirmed', breachType: String(v.breachType ?? '').trim() },
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
        <Field name="breachType" label="Breach type (lower-case, e.g. sublicensing)" required />
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
