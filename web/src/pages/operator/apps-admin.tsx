import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, ok } from '../../api.ts';
import { Badge, Empty, QueryView, Table } from '../../components.tsx';
import { oneOfOrNone } from '../../form-values.ts';
import { ActionForm } from './incidents.tsx';
import { operatorKeys } from './queries.ts';
import { useOrgNames } from './shared.tsx';

/**
 * Every app on the portal, with its status and a link to its outcomes (calls, declines by network
 * code: the operator's analytics drilled down to the app). Suspending, throttling, warning and reinstating are
 * enforcement actions: the organisation's admins are told why, by e-mail and in-app.
 */

export function AppsAdmin() {
  const [status, setStatus] = useState('');
  const q = useQuery({
    queryKey: operatorKeys.apps(status),
    queryFn: async () =>
      (
        await ok(
          api.GET('/api/v1/admin/apps', {
            params: {
              query: { status: oneOfOrNone(status, ['active', 'suspended', 'revoked']), limit: 200 },
            },
          }),
        )
      ).items,
  });
  const names = useOrgNames();
  const [acting, setActing] = useState<string | null>(null);
  return (
    <>
      <div className="toolbar">
        <label htmlFor="apps-status">Status</label>
        <select id="apps-status" value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">All</option>
          <option value="active">Active</option>
          <option value="suspended">Suspended</option>
          <option value="revoked">Deleted</option>
        </select>
      </div>
      <QueryView q={q} label="Loading apps…">
        {(list) =>
          list.length === 0 ? (
            <Empty>No apps.</Empty>
          ) : (
            <Table caption="Apps" head={['App', 'Organisation', 'Environment', 'Status', 'Action']}>
              {list.map((a) => (
                <tr key={a.id}>
                  <td>
                    <strong>{a.name}</strong>
                    <div className="muted small mono">{a.clientId}</div>
                  </td>
                  <td>{names.get(a.orgId) ?? a.orgId}</td>
                  <td>{a.environment}</td>
                  <td>
                    <Badge status={a.status} />
                  </td>
                  <td className="row-actions">
                    <Link className="btn btn-secondary" to={`/operator/analytics?org=${a.orgId}&app=${a.id}`}>
                      Outcomes<span className="visually-hidden"> of {a.name}</span>
                    </Link>
                    {a.status === 'revoked' ? null : acting === a.id ? (
                      <>
                        <ActionForm
                          appId={a.id}
                          kinds={a.status === 'active' ? ['suspend_app', 'throttle', 'warn'] : ['reinstate']}
                          onDone={async () => {
                            setActing(null);
                            await q.refetch();
                          }}
                        />
                        <button type="button" className="btn btn-link" onClick={() => setActing(null)}>
                          Cancel
                        </button>
                      </>
                    ) : (
                      <button
                        type="button"
                        className={a.status === 'active' ? 'btn btn-danger' : 'btn btn-secondary'}
                        aria-label={`${a.status === 'active' ? 'Suspend' : 'Reactivate'} ${a.name}`}
                        onClick={() => setActing(a.id)}
                      >
                        {a.status === 'active' ? 'Suspend' : 'Reactivate'}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </Table>
          )
        }
      </QueryView>
    </>
  );
}
