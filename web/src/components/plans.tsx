import type { Plan, PlanRate } from '../api/views.ts';
import { Badge, Empty, Table } from '../components.tsx';

/** Plans and their limits, as the catalogue, the apps and the operator's catalogue show them. */

function rateText(r: PlanRate): string {
  return `${r.limit.toLocaleString('en')} calls per ${r.period}`;
}

export function planSummary(p: Plan): string {
  const parts = p.rateLimits.map(rateText);
  if (p.quotas.day) parts.push(`${p.quotas.day.toLocaleString('en')} a day`);
  if (p.quotas.month) parts.push(`${p.quotas.month.toLocaleString('en')} a month`);
  if (p.endUserCap)
    parts.push(`up to ${p.endUserCap.limit.toLocaleString('en')} end users a ${p.endUserCap.period}`);
  return parts.length ? parts.join(' · ') : 'No limits';
}

export function PlansTable(props: { plans: Plan[]; caption: string }) {
  const plans = props.plans.filter((p) => p.status !== 'retired');
  if (plans.length === 0) return <Empty>No plans are offered yet.</Empty>;
  return (
    <Table caption={props.caption} head={['Plan', 'Rate limits', 'Quota', 'End users', 'Access']}>
      {plans.map((p) => (
        <tr key={p.id}>
          <th scope="row">
            {p.name}
            {p.description ? <div className="muted small">{p.description}</div> : null}
          </th>
          <td>
            {p.rateLimits.length ? p.rateLimits.map(rateText).join(', ') : 'none'}
            {p.burst ? <div className="muted small">burst {p.burst}</div> : null}
            {Object.keys(p.operationRateLimits ?? {}).length ? (
              <div className="muted small">
                {Object.entries(p.operationRateLimits)
                  .map(([op, rs]) => `${op}: ${rs.map(rateText).join(', ')}`)
                  .join('; ')}
              </div>
            ) : null}
          </td>
          <td>
            {[
              p.quotas.day ? `${p.quotas.day.toLocaleString('en')}/day` : null,
              p.quotas.month ? `${p.quotas.month.toLocaleString('en')}/month` : null,
            ]
              .filter(Boolean)
              .join(', ') || 'none'}
          </td>
          <td>
            {p.endUserCap
              ? `${p.endUserCap.limit.toLocaleString('en')} per ${p.endUserCap.period}`
              : 'no cap'}
          </td>
          <td>{p.approvalRequired ? <Badge status="approval required" /> : 'immediate'}</td>
        </tr>
      ))}
    </Table>
  );
}
