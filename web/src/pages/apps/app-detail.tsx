import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, api, ok } from '../../api.ts';
import { EnforcementNotices } from '../../components/enforcement.tsx';
import { LIMIT_KINDS, LIMIT_LABELS } from '../../components/limits.ts';
import { OrgNav } from '../../components/org-nav.tsx';
import { planSummary } from '../../components/plans.tsx';
import {
  ActionButton,
  Badge,
  CopyButton,
  Dl,
  day,
  Empty,
  Field,
  Form,
  Page,
  QueryView,
  Table,
  when,
} from '../../components.tsx';
import { oneOf } from '../../form-values.ts';
import { Markdown } from '../../markdown.tsx';
import { useOrg } from '../org/queries.ts';
import { canAdmin, canDevelop } from '../org/roles.ts';
import { useProducts } from '../public/queries.ts';
import { AppKillSwitch } from './app-kill-switch.tsx';
import { SecretOnce } from './apps.tsx';
import { ProductTermsPanel } from './product-terms.tsx';
import { ProductionPanel } from './production-panel.tsx';
import { appKeys } from './queries.ts';
import { SecretsTable } from './secrets-table.tsx';

/** One app: credentials, subscriptions, limit requests, production access and settings. */

export function AppDetailPage() {
  const { orgId = '', appId = '' } = useParams();
  const org = useOrg(orgId);
  const qc = useQueryClient();
  const app = useQuery({
    queryKey: appKeys.one(orgId, appId),
    queryFn: () => ok(api.GET('/api/v1/orgs/{orgId}/apps/{appId}', { params: { path: { orgId, appId } } })),
  });
  const subs = useQuery({
    queryKey: appKeys.subscriptions(orgId, appId),
    queryFn: async () =>
      (
        await ok(
          api.GET('/api/v1/orgs/{orgId}/apps/{appId}/subscriptions', { params: { path: { orgId, appId } } }),
        )
      ).items,
  });
  const limits = useQuery({
    queryKey: appKeys.limitRequests(orgId),
    queryFn: async () =>
      (await ok(api.GET('/api/v1/orgs/{orgId}/limit-requests', { params: { path: { orgId } } }))).items,
  });
  const products = useProducts();
  const [newSecret, setNewSecret] = useState<string | null>(null);
  const [subscribeFormKey, setSubscribeFormKey] = useState(0);
  const navigate = useNavigate();
  const [needTerms, setNeedTerms] = useState<{
    planId: string;
    productSlug: string;
    productName: string;
  } | null>(null);
  const dev = canDevelop(org.data);
  const refreshApp = () => qc.invalidateQueries({ queryKey: appKeys.one(orgId, appId) });

  return (
    <QueryView q={app} label="Loading the app…">
      {(a) => (
        <Page
          title={a.name}
          lead={a.description ? <Markdown inline text={a.description} /> : undefined}
          actions={
            <>
              <Link className="btn btn-secondary" to={`/orgs/${orgId}/apps/${appId}/usage`}>
                Usage and logs
              </Link>{' '}
              <Link className="btn btn-secondary" to={`/orgs/${orgId}/apps/${appId}/conformance`}>
                Going live: conformance
              </Link>
            </>
          }
        >
          <OrgNav orgId={orgId} current="apps" />
          <EnforcementNotices orgId={orgId} appId={appId} />
          {newSecret ? (
            <SecretOnce title="New client secret" clientId={a.clientId} secret={newSecret}>
              <button type="button" className="btn btn-secondary" onClick={() => setNewSecret(null)}>
                I have stored it
              </button>
            </SecretOnce>
          ) : null}
          <section className="card" aria-labelledby="cred-h">
            <h2 id="cred-h">Credentials</h2>
            <Dl
              rows={[
                [
                  'Client ID',
                  <span key="id" className="copyable">
                    <code className="mono">{a.clientId}</code>
                    <CopyButton value={a.clientId} label="Copy client ID" />
                  </span>,
                ],
                ['Works at', 'the sandbox catalog (production has its own client ID, below)'],
                ['Status', <Badge key="s" status={a.status} />],
                ['Registered', when(a.createdAt)],
              ]}
            />
            <h3>Client secrets</h3>
            <p className="muted">
              An app can hold two active secrets, so you can rotate without downtime: create a new one, deploy
              it, then revoke the old one.
            </p>
            {a.secrets.length === 0 ? (
              <Empty>No secrets.</Empty>
            ) : (
              <SecretsTable
                caption="Client secrets"
                secrets={a.secrets}
                canRevoke={Boolean(dev)}
                revokeLabel={(hint) => `Revoke the secret ending ${hint}`}
                confirm="Revoke this secret? Calls using it stop working within a second."
                onRevoke={async (credentialId) => {
                  await ok(
                    api.DELETE('/api/v1/orgs/{orgId}/apps/{appId}/secrets/{credentialId}', {
                      params: { path: { orgId, appId, secretId: credentialId, credentialId } },
                    }),
                  );
                  await refreshApp();
                }}
              />
            )}
            {dev ? (
              <div className="split">
                <Form
                  label="Create a second secret"
                  submitLabel="Create a new secret"
                  codeFields={{ secret_limit_reached: 'expiresAt' }}
                  onSubmit={async (v) => {
                    const exp = String(v.expiresAt ?? '');
                    const r = await ok(
                      api.POST('/api/v1/orgs/{orgId}/apps/{appId}/secrets', {
                        params: { path: { orgId, appId } },
                        body: { expiresAt: exp ? new Date(`${exp}T23:59:59Z`).toISOString() : null },
                      }),
                    );
                    setNewSecret(r.clientSecret);
                    await refreshApp();
                  }}
                >
                  <Field name="expiresAt" label="New secret expires on (optional)" type="date" />
                </Form>
                <div>
                  <ActionButton
                    variant="danger"
                    confirm="Reset the secret? Every existing secret is revoked at once and a new one is issued."
                    onClick={async () => {
                      const r = await ok(
                        api.POST('/api/v1/orgs/{orgId}/apps/{appId}/reset-secret', {
                          params: { path: { orgId, appId } },
                        }),
                      );
                      setNewSecret(r.clientSecret);
                      await refreshApp();
                    }}
                  >
                    Reset secret (revoke all)
                  </ActionButton>
                </div>
              </div>
            ) : null}
          </section>

          <ProductionPanel
            orgId={orgId}
            appId={appId}
            sandboxClientId={a.clientId}
            subscriptions={subs.data ?? []}
            dev={dev}
            admin={canAdmin(org.data)}
            representativeConfirmed={!!org.data?.representativeConfirmed}
          />

          <section className="card" aria-labelledby="subs-h">
            <h2 id="subs-h">Subscriptions</h2>
            <QueryView q={subs} label="Loading subscriptions…">
              {(list) =>
                list.length === 0 ? (
                  <Empty>The app is not subscribed to any plan yet. Subscribe to call the APIs.</Empty>
                ) : (
                  <Table
                    caption="Subscriptions"
                    head={['Product', 'Plan', 'Status', 'Since', '']}
                    hideCaption
                  >
                    {list.map((s) => (
                      <tr key={s.id}>
                        <td>
                          <Link to={`/catalog/${s.productSlug}`}>{s.productSlug}</Link>
                        </td>
                        <td>{s.planName}</td>
                        <td>
                          <Badge status={s.status} />
                          {s.status === 'pending' ? (
                            <div className="muted small">waiting for operator approval</div>
                          ) : null}
                          {s.reason ? <div className="muted small">{s.reason}</div> : null}
                        </td>
                        <td>{day(s.createdAt)}</td>
                        <td className="row-actions">
                          {s.status === 'active' ? (
                            <Link to={`/catalog/${s.productSlug}/reference?app=${a.id}&org=${orgId}`}>
                              Try it
                            </Link>
                          ) : null}
                          {dev && (s.status === 'active' || s.status === 'pending') ? (
                            <ActionButton
                              variant="link"
                              label={`Cancel the subscription to ${s.productSlug}`}
                              confirm={`Unsubscribe from ${s.planName}?`}
                              onClick={async () => {
                                await ok(
                                  api.DELETE(
                                    '/api/v1/orgs/{orgId}/apps/{appId}/subscriptions/{subscriptionId}',
                                    { params: { path: { orgId, appId, subscriptionId: s.id } } },
                                  ),
                                );
                                await subs.refetch();
                              }}
                            >
                              Unsubscribe
                            </ActionButton>
                          ) : null}
                        </td>
                      </tr>
                    ))}
                  </Table>
                )
              }
            </QueryView>
            {dev ? (
              <QueryView q={products} label="Loading plans…">
                {(ps) => (
                  <Form
                    key={subscribeFormKey}
                    label="Subscribe to a plan"
                    submitLabel="Subscribe"
                    busyLabel="Subscribing…"
                    codeFields={{ product_terms_not_accepted: 'planId', product_not_available: 'planId' }}
                    onSubmit={async (v) => {
                      const planId = String(v.planId ?? '');
                      setNeedTerms(null);
                      try {
                        await ok(
                          api.POST('/api/v1/orgs/{orgId}/apps/{appId}/subscriptions', {
                            params: { path: { orgId, appId } },
                            body: { planId },
                          }),
                        );
                      } catch (err) {
                        if (err instanceof ApiError && err.code === 'product_terms_not_accepted') {
                          const product = ps.find((p) => p.plans.some((pl) => pl.id === planId));
                          if (product)
                            setNeedTerms({ planId, productSlug: product.slug, productName: product.name });
                        }
                        throw err;
                      }
                      await subs.refetch();
                    }}
                  >
                    <Field
                      name="planId"
                      label="Plan"
                      required
                      hint="One plan per product. Plans marked “approval” wait for an operator."
                      options={[
                        { value: '', label: 'Choose a plan' },
                        ...ps.flatMap((p) =>
                          p.plans
                            .filter((pl) => pl.status !== 'retired')
                            .map((pl) => ({
                              value: pl.id,
                              label: `${p.name} — ${pl.name} (${planSummary(pl)})${pl.approvalRequired ? ' · approval' : ''}`,
                            })),
                        ),
                      ]}
                    />
                  </Form>
                )}
              </QueryView>
            ) : null}
            {needTerms ? (
              <ProductTermsPanel
                orgId={orgId}
                productSlug={needTerms.productSlug}
                productName={needTerms.productName}
                canAccept={canAdmin(org.data)}
                onAccepted={async () => {
                  await ok(
                    api.POST('/api/v1/orgs/{orgId}/apps/{appId}/subscriptions', {
                      params: { path: { orgId, appId } },
                      body: { planId: needTerms.planId },
                    }),
                  );
                  setNeedTerms(null);
                  setSubscribeFormKey((k) => k + 1);
                  await subs.refetch();
                }}
              />
            ) : null}
          </section>

          <section className="card" aria-labelledby="lim-h">
            <h2 id="lim-h">Limit increases</h2>
            <p className="muted">
              Higher limits need the operator's express consent. Approvals may come with conditions: a lower
              value, an end date, or terms to accept first.
            </p>
            <QueryView q={limits} label="Loading requests…">
              {(all) => {
                const list = all.filter((l) => l.appId === appId);
                return list.length === 0 ? (
                  <Empty>No limit requests for this app.</Empty>
                ) : (
                  <Table
                    caption="Limit requests"
                    head={['Limit', 'Asked', 'Decision', 'In force', '']}
                    hideCaption
                  >
                    {list.map((l) => (
                      <tr key={l.id}>
                        <td>
                          {LIMIT_LABELS[l.limit] ?? l.limit}
                          {l.operationId ? <div className="muted small">{l.operationId}</div> : null}
                          <div className="muted small">{l.productSlug}</div>
                        </td>
                        <td>
                          {l.currentValue.toLocaleString('en')} → {l.requestedValue.toLocaleString('en')}
                          {l.requestedUntil ? (
                            <div className="muted small">until {day(l.requestedUntil)}</div>
                          ) : null}
                        </td>
                        <td>
                          <Badge status={l.status} />
                          {l.grantedValue !== null ? (
                            <div className="small">
                              granted {l.grantedValue.toLocaleString('en')}
                              {l.grantedUntil ? ` until ${day(l.grantedUntil)}` : ''}
                            </div>
                          ) : null}
                          {l.decisionNote ? <div className="muted small">{l.decisionNote}</div> : null}
                          {l.conditionsTerms ? (
                            <details>
                              <summary>Conditions</summary>
                              <p className="small">{l.conditionsTerms}</p>
                            </details>
                          ) : null}
                        </td>
                        <td>{l.inForce ? 'yes' : 'no'}</td>
                        <td className="row-actions">
                          {canAdmin(org.data) &&
                          l.conditionsTerms &&
                          !l.termsAcceptedAt &&
                          !l.inForce &&
                          l.status !== 'declined' ? (
                            <ActionButton
                              variant="primary"
                              onClick={async () => {
                                await ok(
                                  api.POST(
                                    '/api/v1/orgs/{orgId}/limit-requests/{requestId}/accept-conditions',
                                    { params: { path: { orgId, requestId: l.id } } },
                                  ),
                                );
                                await limits.refetch();
                              }}
                            >
                              Accept conditions
                            </ActionButton>
                          ) : null}
                          {dev && l.status === 'pending' ? (
                            <ActionButton
                              variant="link"
                              onClick={async () => {
                                await ok(
                                  api.POST('/api/v1/orgs/{orgId}/limit-requests/{requestId}/cancel', {
                                    params: { path: { orgId, requestId: l.id } },
                                  }),
                                );
                                await limits.refetch();
                              }}
                            >
                              Cancel
                            </ActionButton>
                          ) : null}
                        </td>
                      </tr>
                    ))}
                  </Table>
                );
              }}
            </QueryView>
            {dev && (subs.data ?? []).some((s) => s.status === 'active') ? (
              <details className="disclosure">
                <summary>Ask for a higher limit</summary>
                <Form
                  submitLabel="Send request"
                  onSubmit={async (v, form) => {
                    const until = String(v.until ?? '');
                    await ok(
                      api.POST('/api/v1/orgs/{orgId}/apps/{appId}/limit-requests', {
                        params: { path: { orgId, appId } },
                        body: {
                          subscriptionId: String(v.subscriptionId ?? ''),
                          limit: oneOf(v.limit, LIMIT_KINDS, 'burst'),
                          operationId: String(v.operationId ?? '').trim() || undefined,
                          requestedValue: Number(v.requestedValue),
                          reason: String(v.reason ?? '').trim(),
                          until: until ? new Date(`${until}T23:59:59Z`).toISOString() : undefined,
                        },
                      }),
                    );
                    form.reset();
                    await limits.refetch();
                  }}
                >
                  <Field
                    name="subscriptionId"
                    label="Subscription"
                    required
                    options={(subs.data ?? [])
                      .filter((s) => s.status === 'active')
                      .map((s) => ({ value: s.id, label: `${s.productSlug} — ${s.planName}` }))}
                  />
                  <Field
                    name="limit"
                    label="Which limit"
                    required
                    options={Object.entries(LIMIT_LABELS).map(([value, label]) => ({ value, label }))}
                  />
                  <Field
                    name="operationId"
                    label="Only for operation (optional)"
                    hint="An operationId, e.g. for a per-operation rate limit."
                  />
                  <Field
                    name="requestedValue"
                    label="Value you need"
                    type="number"
                    required
                    inputMode="numeric"
                    min="1"
                  />
                  <Field name="until" label="Needed until (optional)" type="date" />
                  <Field
                    name="reason"
                    label="Why you need it"
                    type="textarea"
                    required
                    rows={3}
                    hint="At least 10 characters: expected volumes, a launch date, a load test window agreed with the operator."
                  />
                </Form>
              </details>
            ) : null}
          </section>

          <section className="grid-2">
            <div className="card">
              <h2>Public key</h2>
              <p className="muted">Used to verify the HASH on operations that require signed requests.</p>
              {a.publicKeyPem ? (
                <pre className="pem">{a.publicKeyPem}</pre>
              ) : (
                <Empty>No public key uploaded.</Empty>
              )}
              {dev ? (
                <Form
                  submitLabel="Upload public key"
                  codeFields={{ invalid_public_key: 'publicKeyPem' }}
                  onSubmit={async (v, form) => {
                    await ok(
                      api.PATCH('/api/v1/orgs/{orgId}/apps/{appId}', {
                        params: { path: { orgId, appId } },
                        body: { publicKeyPem: String(v.publicKeyPem ?? '').trim() || null },
                      }),
                    );
                    form.reset();
                    await refreshApp();
                  }}
                >
                  <Field
                    name="publicKeyPem"
                    label="Public key (PEM)"
                    type="textarea"
                    rows={4}
                    placeholder="-----BEGIN PUBLIC KEY-----"
                  />
                </Form>
              ) : null}
            </div>
          </section>
          {dev ? (
            <section className="card danger-zone" aria-labelledby="del-h">
              <h2 id="del-h" className="h3">
                Delete this app
              </h2>
              <p>Its credentials and tokens stop working at once. Usage records and logs are kept.</p>
              <ActionButton
                variant="danger"
                confirm={`Delete ${a.name}? Its credentials stop working at once.`}
                onClick={async () => {
                  await ok(
                    api.DELETE('/api/v1/orgs/{orgId}/apps/{appId}', { params: { path: { orgId, appId } } }),
                  );
                  await qc.invalidateQueries({ queryKey: appKeys.list(orgId) });
                  navigate(`/orgs/${orgId}/apps`);
                }}
              >
                Delete app
              </ActionButton>
            </section>
          ) : null}
          {canAdmin(org.data) ? <AppKillSwitch orgId={orgId} app={a} /> : null}
        </Page>
      )}
    </QueryView>
  );
}
