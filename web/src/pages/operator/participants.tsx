import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { Participant } from '../../api/views.ts';
import { api, ok } from '../../api.ts';
import {
  ActionButton,
  Badge,
  day,
  Empty,
  Field,
  Form,
  Page,
  QueryView,
  Table,
  when,
} from '../../components.tsx';
import { useUser } from '../../session.tsx';
import { orgKeys } from '../org/queries.ts';
import { operatorKeys } from './queries.ts';

/** Network participants, their reviewers, and the reviewers' own page (representative confirmations). */

export function ParticipantsAdmin() {
  const parts = useQuery({
    queryKey: orgKeys.participants,
    queryFn: async () => (await ok(api.GET('/api/v1/participants'))).items,
  });
  return (
    <div className="grid-2">
      <div className="card">
        <h2 className="h3">Participants</h2>
        <QueryView q={parts} label="Loading participants…">
          {(list) =>
            list.length === 0 ? (
              <Empty>No participants yet.</Empty>
            ) : (
              <ul className="plain-list">
                {list.map((p) => (
                  <li key={p.id}>
                    <ParticipantRow p={p} />
                  </li>
                ))}
              </ul>
            )
          }
        </QueryView>
      </div>
      <div className="card">
        <h2 className="h3">Add a participant</h2>
        <Form
          submitLabel="Add participant"
          onSubmit={async (v, form) => {
            await ok(
              api.POST('/api/v1/admin/participants', {
                body: {
                  name: String(v.name ?? '').trim(),
                  code: String(v.code ?? '').trim() || null,
                  emailDomain: String(v.emailDomain ?? '').trim() || null,
                },
              }),
            );
            form.reset();
            await parts.refetch();
          }}
        >
          <Field name="name" label="Name" required />
          <Field name="code" label="Code (e.g. IMD or short name)" />
          <Field name="emailDomain" label="E-mail domain" placeholder="bank.example.pk" />
        </Form>
      </div>
    </div>
  );
}

function ParticipantRow(props: { p: Participant }) {
  const [open, setOpen] = useState(false);
  const reviewers = useQuery({
    queryKey: operatorKeys.reviewers(props.p.id),
    queryFn: async () =>
      (
        await ok(
          api.GET('/api/v1/admin/participants/{participantId}/reviewers', {
            params: { path: { participantId: props.p.id } },
          }),
        )
      ).items,
    enabled: open,
  });
  return (
    <details onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>
        {props.p.name} {props.p.code ? <span className="muted">({props.p.code})</span> : null}
      </summary>
      {!open ? null : (
        <QueryView q={reviewers} label="Loading reviewers…">
          {(list) => (
            <>
              {list.length === 0 ? (
                <p className="muted small">No reviewers appointed.</p>
              ) : (
                <ul>
                  {list.map((r) => (
                    <li key={r.userId}>
                      {r.name} &lt;{r.email}&gt;{' '}
                      <ActionButton
                        variant="link"
                        label={`Remove reviewer ${r.name}`}
                        onClick={async () => {
                          await ok(
                            api.DELETE('/api/v1/admin/participants/{participantId}/reviewers/{userId}', {
                              params: { path: { participantId: props.p.id, userId: r.userId } },
                            }),
                          );
                          await reviewers.refetch();
                        }}
                      >
                        Remove
                      </ActionButton>
                    </li>
                  ))}
                </ul>
              )}
              <Form
                label={`Appoint a reviewer for ${props.p.name}`}
                submitLabel="Appoint reviewer"
                onSubmit={async (v, form) => {
                  await ok(
                    api.POST('/api/v1/admin/participants/{participantId}/reviewers', {
                      params: { path: { participantId: props.p.id } },
                      body: { user: String(v.user ?? '').trim() },
                    }),
                  );
                  form.reset();
                  await reviewers.refetch();
                }}
              >
                <Field name="user" label="User's e-mail or id" required />
              </Form>
            </>
          )}
        </QueryView>
      )}
    </details>
  );
}

export function ReviewerPage() {
  const q = useQuery({
    queryKey: operatorKeys.reviewOrgs,
    queryFn: async () => (await ok(api.GET('/api/v1/review/organizations'))).items,
  });
  const [rejecting, setRejecting] = useState<string | null>(null);
  const me = useUser();
  return (
    <Page
      title="Representative reviews"
      lead="For reviewers acting for a corporate participant: confirm or reject the people who act for organisations that named you."
    >
      <QueryView q={q} label="Loading organisations…">
        {(list) =>
          list.length === 0 ? (
            <Empty>
              No organisations are waiting for you. Only appointed reviewers of a participant see
              organisations here.
            </Empty>
          ) : (
            <div className="stack">
              {list.map((o) => (
                <article key={o.id} className="card">
                  <div className="card-head">
                    <h2 className="h3">{o.name}</h2>
                    <span className="small">
                      Registration {o.registrationNumber} · {o.participant.name}
                    </span>
                  </div>
                  <p className="small muted">
                    Authority attested {when(o.authorityAttestedAt)}: “{o.authorityStatement}”
                  </p>
                  <Table
                    caption={`Representatives of ${o.name}`}
                    hideCaption
                    head={['Person', 'Status', 'Decision']}
                  >
                    {o.representatives.map((r) => {
                      const key = `${o.id}:${r.userId}`;
                      return (
                        <tr key={key}>
                          <td>
                            {r.name}
                            <div className="small">{r.email}</div>
                          </td>
                          <td>
                            <Badge status={r.status} />
                            {r.expiresAt ? <div className="muted small">until {day(r.expiresAt)}</div> : null}
                            {r.reason ? <div className="muted small">{r.reason}</div> : null}
                          </td>
                          <td className="row-actions">
                            {r.userId === me?.id ? (
                              <span className="muted small">
                                You cannot decide on your own representation.
                              </span>
                            ) : rejecting === key ? (
                              <Form
                                danger
                                submitLabel="Reject"
                                onSubmit={async (v) => {
                                  await ok(
                                    api.POST(
                                      '/api/v1/review/organizations/{orgId}/representatives/{userId}/reject',
                                      {
                                        params: { path: { orgId: o.id, userId: r.userId } },
                                        body: { reason: String(v.reason ?? '').trim() },
                                      },
                                    ),
                                  );
                                  setRejecting(null);
                                  await q.refetch();
                                }}
                              >
                                <Field name="reason" label="Reason" required />
                              </Form>
                            ) : (
                              <>
                                <ActionButton
                                  variant="primary"
                                  label={`Confirm ${r.name ?? r.email} for ${o.name}`}
                                  onClick={async () => {
                                    const until = new Date(Date.now() + 365 * 86_400_000).toISOString();
                                    await ok(
                                      api.POST(
                                        '/api/v1/review/organizations/{orgId}/representatives/{userId}/confirm',
                                        {
                                          params: { path: { orgId: o.id, userId: r.userId } },
                                          body: { validUntil: until },
                                        },
                                      ),
                                    );
                                    await q.refetch();
                                  }}
                                >
                                  {r.status === 'confirmed' ? 'Renew for a year' : 'Confirm for a year'}
                                </ActionButton>
                                <button
                                  type="button"
                                  className="btn btn-danger"
                                  onClick={() => setRejecting(key)}
                                >
                                  Reject
                                </button>
                              </>
                            )}
                          </td>
                        </tr>
                      );
                    })}
                  </Table>
                </article>
              ))}
            </div>
          )
        }
      </QueryView>
    </Page>
  );
}
