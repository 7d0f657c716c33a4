import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, ok } from '../../api.ts';
import { AnalyticsError } from '../../components/analytics-controls.tsx';
import { Empty, Loading } from '../../components.tsx';
import { operatorKeys } from '../operator/queries.ts';

/**
 * The operator's dashboard card: the gateway's last 24 hours in four numbers (calls and the three
 * outcomes) with a link to the full analytics, and, when the operator is in no organisation, where
 * the organisations are instead (an operator oversees them; "you do not belong to one" misled).
 */
export function OperatorSummary() {
  const q = useQuery({
    queryKey: operatorKeys.analytics('24h', '', ''),
    queryFn: () => ok(api.GET('/api/v1/admin/analytics', { params: { query: { window: '24h' } } })),
  });
  const n = (x: number) => x.toLocaleString('en');
  return (
    <section aria-labelledby="gateway-h" className="card">
      <h2 id="gateway-h">The gateway, last 24 hours</h2>
      {q.isPending ? (
        <Loading label="Loading the gateway's traffic…" />
      ) : q.error ? (
        <AnalyticsError error={q.error} retry={() => void q.refetch()} />
      ) : q.data.totals.calls === 0 ? (
        <Empty>No calls through the gateway in the last 24 hours.</Empty>
      ) : (
        <p data-testid="operator-summary">
          {n(q.data.totals.calls)} calls: {n(q.data.totals.approved)} approved · {n(q.data.totals.declined)}{' '}
          declined · {n(q.data.totals.failed)} failed.
        </p>
      )}
      <p className="links">
        <Link to="/operator/analytics">Open the gateway's analytics</Link>
        <Link to="/operator/organisations">Every organisation</Link>
        <Link to="/operator">Queues waiting for a decision</Link>
      </p>
    </section>
  );
}
