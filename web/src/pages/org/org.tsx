import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import type { Org } from '../../api/views.ts';
import { api, ok } from '../../api.ts';
import { EnforcementNotices } from '../../components/enforcement.tsx';
import { OrgNav } from '../../components/org-nav.tsx';
import {
  ActionButton,
  Badge,
  Dl,
  day,
  Empty,
  Field,
  Form,
  Loading,
  Notice,
  Page,
  QueryView,
  Table,
  when,
} from '../../components.tsx';
import { oneOf } from '../../form-values.ts';
import { useUser } from '../../session.tsx';
import { OperatorSummary } from './operator-summary.tsx';
import { orgKeys, useOrg, useOrgs } from './queries.ts';
import { canAdmin } from './roles.ts';

export function DashboardPage() {
  const orgs = useOrgs();
  const user = useUser();
  return (
    <Page
      title="Dashboard"
      lead={user ? `Welcome, ${user.name}.` : undefined}
      actions={
        <Link className="btn btn-primary" to="/orgs/new">
          Create an organisation
        </Link>
      }
    >
      {user && !user.mfaEnabled ? (
        <Notice tone="warn" title="Set up your authenticator app">
          Protect your account and your apps' credentials: <Link to="/account/security">set up TOTP now</Link>
          .
        </Notice>
      ) : null}
      {user?.profileConfirmationDue ? (
        <Notice tone="warn" title="Confirm your details">
          Your profile needs re-confirming before you can create apps.{' '}
          <Link to="/account">Review your details</Link>.
        </Notice>
      ) : null}
      {(orgs.data ?? []).map((o) => (
        <EnforcementNotices key={o.id} orgId={o.id} orgName={o.name} />
      ))}
      {user?.isOperator ? <OperatorSummary /> : null}
      <h2>Your organisations</h2>
      <QueryView q={orgs} label="Loading organisations…">
        {(list) =>
          list.length === 0 && user?.isOperator ? (
            <Empty>
              <p>You are not a member of any organisation: as an operator you oversee all of them.</p>
              <p>
                <Link to="/operator/organisations">See every organisation</Link> in the operator console.
              </p>
            </Empty>
          ) : list.length === 0 ? (
            <Empty>
              <p>You do not belong to an organisation yet.</p>
              <p>
                Apps belong to organisations. <Link to="/orgs/new">Create one</Link>, or ask a colleague to
                invite you.
              </p>
            </Empty>
          ) : (
            <ul className="org-grid">
              {list.map((o) => (
                <li key={o.id} className="card">
                  <div className="card-head">
                    <h3>
                      <Link to={`/orgs/${o.id}`}>{o.name}</Link>
                    </h3>
                    <Badge status={o.status} />
                  </div>
                  <Dl
                    rows={[
                      ['Your role', o.myRole],
                      ['Participant', o.participant.name],
                      [
                        'Representative',
                        o.representativeConfirmed ? 'confirmed' : (o.representative?.status ?? 'pending'),
                      ],
                    ]}
                  />
                  <p className="links">
                    <Link to={`/orgs/${o.id}/apps`}>Apps</Link>
                    <Link to={`/orgs/${o.id}/sandbox`}>Sandbox data</Link>
                    <Link to={`/orgs/${o.id}/terms`}>Terms</Link>
                  </p>
                </li>
              ))}
            </ul>
          )
        }
      </QueryView>
    </Page>
  );
}

export function NewOrgPage() {
  const navigate = useNavigate();
  const qc = useQueryClient();
  const participants = useQuery({
    queryKey: orgKeys.participants,
    queryFn: async () => (await ok(api.GET('/api/v1/participants'))).items,
  });
  return (
    <Page
      title="Create an organisation"
      lead="Apps, credentials and terms acceptances belong to an organisation. You become its owner."
    >
      <div className="narrow card">
        <QueryView q={participants} label="Loading participants…">
          {(parts) => (
            <Form
              submitLabel="Create organisation"
              busyLabel="Creating…"
              codeFields={{ authority_not_attested: 'attestAuthority', unknown_participant: 'participantId' }}
              onSubmit={async (v) => {
                const org = await ok(
                  api.POST('/api/v1/organizations', {
                    body: {
                      name: String(v.name ?? '').trim(),
                      registrationNumber: String(v.registrationNumber ?? '').trim(),
                      participantId: String(v.participantId ?? ''),
                      attestAuthority: v.attestAuthority === true,
                      address: String(v.address ?? '').trim() || null,
                      website: String(v.website ?? '').trim() || null,
                    },
                  }),
                );
                await qc.invalidateQueries({ queryKey: orgKeys.all });
                navigate(`/orgs/${org.id}`);
              }}
            >
              <Field
                name="name"
                label="Legal name of the organisation"
                required
                autoComplete="organization"
              />
              <Field
                name="registrationNumber"
                label="Registration number"
                required
                hint="As issued by the company registry (for Pakistan, the SECP incorporation number)."
              />
              <Field
                name="participantId"
                label="Corporate participant"
                required
                hint="The member bank or payment provider you integrate through. Its reviewers confirm you as the organisation's representative."
                options={[
                  { value: '', label: parts.length ? 'Choose a participant' : 'No participants yet' },
                  ...parts.map((p) => ({ value: p.id, label: p.code ? `${p.name} (${p.code})` : p.name })),
                ]}
              />
              <Field name="address" label="Registered address" type="textarea" rows={2} />
              <Field name="website" label="Website" type="url" placeholder="https://" />
              <Field
                name="attestAuthority"
                type="checkbox"
                required
                label="I confirm I am authorised to bind this organisation to the terms of use"
                hint="Your statement is recorded with your name and the time. Accepting terms for the organisation binds the organisation."
              />
            </Form>
          )}
        </QueryView>
      </div>
    </Page>
  );
}

export function OrgPage() {
  const { orgId = '' } = useParams();
  const org = useOrg(orgId);
  const qc = useQueryClient();
  const user = useUser();
  const members = useQuery({
    queryKey: orgKeys.members(orgId),
    queryFn: async () =>
      (await ok(api.GET('/api/v1/organizations/{orgId}/members', { params: { path: { orgId } } }))).items,
  });
  const admin = canAdmin(org.data);
  const invitations = useQuery({
    queryKey: orgKeys.invitations(orgId),
    queryFn: async () =>
      (await ok(api.GET('/api/v1/organizations/{orgId}/invitations', { params: { path: { orgId } } }))).items,
    enabled: admin,
  });
  return (
    <QueryView q={org} label="Loading the organisation…">
      {(o) => (
        <Page title={o.name} lead={`Registration ${o.registrationNumber} · your role: ${o.myRole}`}>
          <OrgNav orgId={orgId} current="overview" />
          {o.detailsConfirmationDue ? (
            <Notice tone="warn" title="Confirm the organisation's details">
              The details must be re-confirmed before new apps can be created.
              {admin ? (
                <div className="mt">
                  <ActionButton
                    variant="primary"
                    onClick={async () => {
                      await ok(
                        api.POST('/api/v1/organizations/{orgId}/confirm-details', {
                          params: { path: { orgId } },
                        }),
                      );
                      await qc.invalidateQueries({ queryKey: orgKeys.one(orgId) });
                    }}
                  >
                    The details are accurate
                  </ActionButton>
                </div>
              ) : null}
            </Notice>
          ) : null}
          <div className="grid-2">
            <div className="card">
              <h2>Confirmation status</h2>
              {o.representativeConfirmed ? (
                <Notice tone="ok">
                  {o.participant.name} confirmed the organisation's representative
                  {o.representative?.expiresAt ? ` until ${day(o.representative.expiresAt)}` : ''}. Production
                  access can be requested.
                </Notice>
              ) : o.representative?.status === 'rejected' ? (
                <Notice tone="bad">
                  {o.participant.name} did not confirm the representative:{' '}
                  {o.representative.reason ?? 'no reason given'}.
                </Notice>
              ) : (
                <Notice tone="warn">
                  Waiting for {o.participant.name} to confirm the representative. Until then the organisation
                  can use the sandbox only.
                </Notice>
              )}
              <Dl
                rows={[
                  ['Status', <Badge key="s" status={o.status} />],
                  ['Participant', o.participant.name],
                  [
                    'Representative',
                    o.representative ? `${o.representative.name ?? ''} ${o.representative.email ?? ''}` : '—',
                  ],
                  ['Authority attested', `${when(o.authorityAttestedAt)}`],
                  ['Address', o.address],
                  ['Website', o.website],
                  ['Details confirmed', when(o.detailsConfirmedAt)],
                ]}
              />
            </div>
            <div className="card">
              <h2>Members</h2>
              <QueryView q={members} label="Loading members…">
                {(list) => (
                  <Table caption="Members" head={['Name', 'Role', '']} hideCaption>
                    {list.map((m) => (
                      <tr key={m.userId}>
                        <td>
                          {m.name}
                          <div className="muted small">{m.email}</div>
                        </td>
                        <td>
                          {admin && m.role !== 'owner' && m.userId !== user?.id ? (
                            <RoleSelect
                              value={m.role}
                              label={`Role of ${m.name}`}
                              onChange={async (role) => {
                                await ok(
                                  api.PATCH('/api/v1/organizations/{orgId}/members/{userId}', {
                                    params: { path: { orgId, userId: m.userId } },
                                    body: { role: oneOf(role, ROLES, 'viewer') },
                                  }),
                                );
                                await members.refetch();
                              }}
                            />
                          ) : (
                            m.role
                          )}
                        </td>
                        <td>
                          {admin && m.role !== 'owner' && m.userId !== user?.id ? (
                            <ActionButton
                              variant="link"
                              label={`Remove ${m.name}`}
                              confirm={`Remove ${m.name} from ${o.name}?`}
                              onClick={async () => {
                                await ok(
                                  api.DELETE('/api/v1/organizations/{orgId}/members/{userId}', {
                                    params: { path: { orgId, userId: m.userId } },
                                  }),
                                );
                                await members.refetch();
                              }}
                            >
                              Remove
                            </ActionButton>
                          ) : null}
                        </td>
                      </tr>
                    ))}
                  </Table>
                )}
              </QueryView>
            </div>
          </div>
          {admin ? (
            <details className="disclosure card">
              <summary>Edit the organisation's details</summary>
              <Form
                submitLabel="Save and confirm details"
                onSubmit={async (v) => {
                  await ok(
                    api.PATCH('/api/v1/organizations/{orgId}', {
                      params: { path: { orgId } },
                      body: {
                        name: String(v.name ?? '').trim(),
                        registrationNumber: String(v.registrationNumber ?? '').trim(),
                        address: String(v.address ?? '').trim() || null,
                        website: String(v.website ?? '').trim() || null,
                      },
                    }),
                  );
                  await qc.invalidateQueries({ queryKey: orgKeys.one(orgId) });
                  await qc.invalidateQueries({ queryKey: orgKeys.all });
                }}
              >
                <Field name="name" label="Legal name" required defaultValue={o.name} />
                <Field
                  name="registrationNumber"
                  label="Registration number"
                  required
                  defaultValue={o.registrationNumber}
                />
                <Field
                  name="address"
                  label="Registered address"
                  type="textarea"
                  rows={2}
                  defaultValue={o.address ?? ''}
                />
                <Field name="website" label="Website" type="url" defaultValue={o.website ?? ''} />
              </Form>
            </details>
          ) : null}
          {o.myRole === 'owner' && (members.data ?? []).length > 1 ? (
            <details className="disclosure card">
              <summary>Transfer ownership</summary>
              <Form
                danger
                submitLabel="Transfer ownership"
                onSubmit={async (v) => {
                  if (!window.confirm('Transfer ownership? You become an admin.')) return;
                  await ok(
                    api.POST('/api/v1/organizations/{orgId}/ownership-transfer', {
                      params: { path: { orgId } },
                      body: { userId: String(v.userId ?? '') },
                    }),
                  );
                  await qc.invalidateQueries({ queryKey: orgKeys.one(orgId) });
                  await members.refetch();
                }}
              >
                <Field
                  name="userId"
                  label="New owner"
                  required
                  options={(members.data ?? [])
                    .filter((m) => m.role !== 'owner')
                    .map((m) => ({ value: m.userId, label: `${m.name} <${m.email}>` }))}
                />
              </Form>
            </details>
          ) : null}
          {admin ? (
            <div className="grid-2">
              <div className="card">
                <h2>Invite a member</h2>
                <Form
                  submitLabel="Send invitation"
                  onSubmit={async (v, form) => {
                    await ok(
                      api.POST('/api/v1/organizations/{orgId}/invitations', {
                        params: { path: { orgId } },
                        body: {
                          email: String(v.email ?? '').trim(),
                          role: oneOf(v.role, ROLES, 'developer'),
                        },
                      }),
                    );
                    form.reset();
                    await invitations.refetch();
                  }}
                >
                  <Field name="email" label="E-mail" type="email" required />
                  <Field
                    name="role"
                    label="Role"
                    defaultValue="developer"
                    options={[
                      { value: 'admin', label: 'Admin — manages members, apps and terms' },
                      { value: 'developer', label: 'Developer — manages apps' },
                      { value: 'viewer', label: 'Viewer — reads only' },
                    ]}
                  />
                </Form>
              </div>
              <div className="card">
                <h2>Invitations</h2>
                <QueryView q={invitations} label="Loading invitations…">
                  {(list) =>
                    list.length === 0 ? (
                      <Empty>No invitations sent.</Empty>
                    ) : (
                      <Table caption="Invitations" head={['E-mail', 'Role', 'Status', '']} hideCaption>
                        {list.map((i) => (
                          <tr key={i.id}>
                            <td>{i.email}</td>
                            <td>{i.role}</td>
                            <td>
                              <Badge status={i.status} />
                              <div className="muted small">until {day(i.expiresAt)}</div>
                            </td>
                            <td>
                              {i.status === 'pending' ? (
                                <ActionButton
                                  variant="link"
                                  label={`Revoke the invitation for ${i.email}`}
                                  onClick={async () => {
                                    await ok(
                                      api.DELETE('/api/v1/organizations/{orgId}/invitations/{invitationId}', {
                                        params: { path: { orgId, invitationId: i.id } },
                                      }),
                                    );
                                    await invitations.refetch();
                                  }}
                                >
                                  Revoke
                                </ActionButton>
                              ) : null}
                            </td>
                          </tr>
                        ))}
                      </Table>
                    )
                  }
                </QueryView>
              </div>
            </div>
          ) : null}
        </Page>
      )}
    </QueryView>
  );
}

const ROLES = ['admin', 'developer', 'viewer'] as const;

function RoleSelect(props: { value: string; label: string; onChange: (role: string) => Promise<void> }) {
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  return (
    <>
      <select
        aria-label={props.label}
        defaultValue={props.value}
        disabled={busy}
        onChange={async (e) => {
          setBusy(true);
          setErr(null);
          try {
            await props.onChange(e.target.value);
          } catch (error) {
            setErr((error as Error).message);
          } finally {
            setBusy(false);
          }
        }}
      >
        <option value="admin">admin</option>
        <option value="developer">developer</option>
        <option value="viewer">viewer</option>
      </select>
      {err ? (
        <span className="field-error" role="alert">
          {err}
        </span>
      ) : null}
    </>
  );
}

export function AcceptInvitationPage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const [state, setState] = useState<{ org?: Org; error?: string }>({});
  const started = useRef(false);
  const qc = useQueryClient();
  useEffect(() => {
    if (!token || started.current) return;
    started.current = true;
    ok(api.POST('/api/v1/invitations/accept', { body: { token } }))
      .then(async (org) => {
        await qc.invalidateQueries({ queryKey: orgKeys.all });
        setState({ org });
      })
      .catch((e) => setState({ error: (e as Error).message }));
  }, [token, qc]);
  if (!token) return <Page title="Invitation" lead="Open the link from your invitation e-mail." />;
  if (state.error) return <Page title="This invitation did not work" lead={state.error} />;
  if (!state.org) return <Loading label="Accepting the invitation…" />;
  return (
    <Page title={`You joined ${state.org.name}`}>
      <Link className="btn btn-primary" to={`/orgs/${state.org.id}`}>
        Open {state.org.name}
      </Link>
    </Page>
  );
}

// ------------------------------------------------------------------ terms of the organisation
