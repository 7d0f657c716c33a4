import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, ok } from '../../api.ts';
import { ActionButton, Badge, day, Empty, Field, Form, QueryView, Table } from '../../components.tsx';
import { operatorKeys } from './queries.ts';

/** The operator's organisations: their traffic (analytics drill-down), termination and required updates. */

export function OrganisationsAdmin() {
  const q = useQuery({
    queryKey: operatorKeys.orgs,
    queryFn: async () =>
      (await ok(api.GET('/api/v1/admin/organizations', { params: { query: { limit: 500 } } }))).items,
  });
  const [terminating, setTerminating] = useState<string | null>(null);
  return (
    <QueryView q={q} label="Loading organisations…">
      {(list) =>
        list.length === 0 ? (
          <Empty>No organisations yet.</Empty>
        ) : (
          <Table
            caption="Organisations"
            head={['Organisation', 'Participant', 'Representative', 'Status', 'Actions']}
          >
            {list.map((o) => (
              <tr key={o.id}>
                <td>
                  <strong>{o.name}</strong>
                  <div className="muted small">
                    {o.registrationNumber} · since {day(o.createdAt)}
                  </div>
                </td>
                <td>{o.participant.name}</td>
                <td>
                  <Badge
                    status={o.representativeConfirmed ? 'confirmed' : (o.representative?.status ?? 'pending')}
                  />
                </td>
                <td>
                  <Badge status={o.status} />
                  {o.detailsConfirmationDue ? <div className="muted small">details to re-confirm</div> : null}
                </td>
                <td className="row-actions">
                  {terminating === o.id ? (
                    <Form
                      danger
                      submitLabel="Terminate now"
                      onSubmit={async (v) => {
                        await ok(
                          api.POST('/api/v1/admin/orgs/{orgId}/terminate', {
                            params: { path: { orgId: o.id } },
                            body: { reason: String(v.reason ?? '').trim() },
                          }),
                        );
                        setTerminating(null);
                        await q.refetch();
                      }}
                      secondary={
                        <button type="button" className="btn btn-link" onClick={() => setTerminating(null)}>
                          Cancel
                        </button>
                      }
                    >
                      <Field
                        name="reason"
                        label={`Reason for terminating ${o.name}`}
                        required
                        type="textarea"
                        rows={2}
                      />
                    </Form>
                  ) : (
                    <>
                      <Link className="btn btn-secondary" to={`/operator/analytics?org=${o.id}`}>
                        Traffic<span className="visually-hidden"> of {o.name}</span>
                      </Link>
                      <ActionButton
                        label={`Require ${o.name} to update its details`}
                        onClick={async () => {
                          await ok(
                            api.POST('/api/v1/admin/organizations/{orgId}/require-update', {
                              params: { path: { orgId: o.id } },
                            }),
                          );
                          await q.refetch();
                        }}
                      >
                        Require update
                      </ActionButton>
                      {o.status !== 'terminated' ? (
                        <button
                          type="button"
                          className="btn btn-danger"
                          aria-label={`Terminate ${o.name}`}
                          onClick={() => setTerminating(o.id)}
                        >
                          Terminate
                        </button>
                      ) : null}
                    </>
                  )}
                </td>
              </tr>
            ))}
          </Table>
        )
      }
    </QueryView>
  );
}
