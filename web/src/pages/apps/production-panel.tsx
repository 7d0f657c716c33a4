import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ok } from '../../api.ts';
import {
  ActionButton,
  Badge,
  CopyButton,
  Dl,
  day,
  Empty,
  Field,
  Form,
  Notice,
  QueryView,
  Table,
} from '../../components.tsx';
import { catalogKeys } from '../public/queries.ts';
import { SecretOnce } from './apps.tsx';
import { appKeys } from './queries.ts';
import { SecretsTable } from './secrets-table.tsx';

/**
 * An app's two catalogs on its page (issue 35): where each set of credentials works (both base URLs,
 * from listCatalogs), the production client id and its secrets (created, shown once, rotated with
 * overlap, revoked), and production access per subscribed product (asked for, with its state).
 * Sandbox credentials stay the app's for good; try-it always uses them.
 */
type Sub = { id: string; productId: string; productSlug: string; status: string };

function Copyable(props: { value: string; label: string; testId?: string }) {
  return (
    <span className="copyable">
      <code className="mono" data-testid={props.testId}>
        {props.value}
      </code>
      <CopyButton value={props.value} label={props.label} />
    </span>
  );
}

export function ProductionPanel(props: {
  orgId: string;
  appId: string;
  sandboxClientId: string;
  subscriptions: Sub[];
  /** May create and revoke secrets (developer role). */
  dev: boolean;
  /** May ask for production access (admin role). */
  admin: boolean;
  representativeConfirmed: boolean;
}) {
  const { orgId, appId } = props;
  const qc = useQueryClient();
  const [shown, setShown] = useState<{ clientId: string; secret: string } | null>(null);
  const catalogs = useQuery({
    queryKey: catalogKeys.catalogs,
    queryFn: () => ok(api.GET('/api/v1/catalogs')),
    staleTime: 300_000,
  });
  const creds = useQuery({
    queryKey: appKeys.productionCredentials(orgId, appId),
    queryFn: () =>
      ok(
        api.GET('/api/v1/orgs/{orgId}/apps/{appId}/production-credentials', {
          params: { path: { orgId, appId } },
        }),
      ),
  });
  const refresh = async () => {
    await qc.invalidateQueries({ queryKey: appKeys.productionCredentials(orgId, appId) });
    await qc.invalidateQueries({ queryKey: appKeys.one(orgId, appId) });
  };
  const baseUrl = (name: 'sandbox' | 'production', fallback: string) =>
    catalogs.data?.items.find((c) => c.name === name)?.baseUrl ?? fallback;

  return (
    <QueryView q={creds} label="Loading the production credentials…">
      {(c) => (
        <>
          {shown ? (
            <SecretOnce title="New production client secret" clientId={shown.clientId} secret={shown.secret}>
              <button type="button" className="btn btn-secondary" onClick={() => setShown(null)}>
                I have stored it
              </button>
            </SecretOnce>
          ) : null}
          <section className="card" aria-labelledby="catalogs-h">
            <h2 id="catalogs-h">Sandbox and production</h2>
            <p className="muted">
              Each catalog has its own client ID, secrets and tokens: use each set only at its own base URL.
              The sandbox set stays yours when production is granted, and the API reference’s try-it always
              uses it.
            </p>
            <div className="grid-2">
              <div data-testid="catalog-sandbox">
                <h3>Sandbox</h3>
                <Dl
                  rows={[
                    [
                      'Base URL',
                      <Copyable
                        key="u"
                        value={baseUrl('sandbox', c.sandboxBaseUrl)}
                        label="Copy the sandbox base URL"
                      />,
                    ],
                    [
                      'Client ID',
                      <Copyable key="i" value={props.sandboxClientId} label="Copy the sandbox client ID" />,
                    ],
                    ['Secrets', 'the client secrets above'],
                  ]}
                />
              </div>
              <div data-testid="catalog-production">
                <h3>Production</h3>
                <Dl
                  rows={[
                    [
                      'Base URL',
                      <Copyable
                        key="u"
                        value={baseUrl('production', c.gatewayBaseUrl)}
                        label="Copy the production base URL"
                      />,
                    ],
                    [
                      'Client ID',
                      c.clientId ? (
                        <Copyable
                          key="i"
                          value={c.clientId}
                          label="Copy the production client ID"
                          testId="production-client-id"
                        />
                      ) : (
                        <span key="i" className="muted">
                          Issued when an operator first grants production access.
                        </span>
                      ),
                    ],
                    ['Secrets', c.clientId ? 'the production secrets below' : 'none yet'],
                  ]}
                />
              </div>
            </div>
          </section>

          <section className="card" aria-labelledby="prod-access-h">
            <h2 id="prod-access-h">Production access</h2>
            {!props.representativeConfirmed ? (
              <Notice tone="warn">Production needs the organisation’s representative confirmed first.</Notice>
            ) : null}
            <ProductAccessTable {...props} products={c.products} onChange={refresh} />
          </section>

          {c.clientId ? (
            <section className="card" aria-labelledby="prod-cred-h">
              <h2 id="prod-cred-h">Production credentials</h2>
              <p className="muted">
                Two active secrets at most, so you can rotate without downtime: create a new one, deploy it,
                then revoke the old one. A production secret works only with the production client ID.
              </p>
              {c.secrets.length === 0 ? (
                <Empty>No production secret yet: create one to call production.</Empty>
              ) : (
                <SecretsTable
                  caption="Production client secrets"
                  secrets={c.secrets}
                  canRevoke={Boolean(props.dev)}
                  revokeLabel={(hint) => `Revoke the production secret ending ${hint}`}
                  confirm="Revoke this production secret? Production calls using it stop within a second."
                  onRevoke={async (credentialId) => {
                    await ok(
                      api.DELETE(
                        '/api/v1/orgs/{orgId}/apps/{appId}/production-credentials/secrets/{credentialId}',
                        { params: { path: { orgId, appId, credentialId } } },
                      ),
                    );
                    await refresh();
                  }}
                />
              )}
              {props.dev ? (
                <ActionButton
                  onClick={async () => {
                    const r = await ok(
                      api.POST('/api/v1/orgs/{orgId}/apps/{appId}/production-credentials/secrets', {
                        params: { path: { orgId, appId } },
                        body: {},
                      }),
                    );
                    setShown({ clientId: r.clientId, secret: r.clientSecret });
                    await refresh();
                  }}
                >
                  Create a production secret
                </ActionButton>
              ) : null}
            </section>
          ) : null}
        </>
      )}
    </QueryView>
  );
}

/** Each subscribed product's production access: its state, or the request form. */
function ProductAccessTable(props: {
  orgId: string;
  appId: string;
  subscriptions: Sub[];
  admin: boolean;
  representativeConfirmed: boolean;
  products: Array<{
    productId: string | null;
    productSlug: string | null;
    status: string;
    reason: string | null;
    createdAt: string;
  }>;
  onChange: () => Promise<void>;
}) {
  const rows = props.subscriptions.filter((s) => s.status === 'active');
  if (rows.length === 0)
    return <Empty>Subscribe to a product first; production access is asked for per product.</Empty>;
  return (
    <Table caption="Production access per product" head={['Product', 'Production access', '']} hideCaption>
      {rows.map((s) => {
        const p = props.products.find((x) => x.productId === s.productId);
        const canAsk = props.admin && props.representativeConfirmed && (!p || p.status === 'declined');
        return (
          <tr key={s.id} data-testid={`production-${s.productSlug}`}>
            <td>{s.productSlug}</td>
            <td>
              {p ? (
                <>
                  Request of {day(p.createdAt)}: <Badge status={p.status} />
                  {p.reason ? <div className="muted small">{p.reason}</div> : null}
                </>
              ) : (
                <span className="muted">not asked</span>
              )}
            </td>
            <td>
              {canAsk ? (
                <Form
                  label={`Ask for production access to ${s.productSlug}`}
                  submitLabel="Request production access"
                  codeFields={{
                    production_requirements_missing: 'note',
                    representative_not_confirmed: 'note',
                  }}
                  onSubmit={async (v) => {
                    await ok(
                      api.POST('/api/v1/orgs/{orgId}/apps/{appId}/production-access', {
                        params: { path: { orgId: props.orgId, appId: props.appId } },
                        body: { productId: s.productId, note: String(v.note ?? '').trim() || undefined },
                      }),
                    );
                    await props.onChange();
                  }}
                >
                  <Field name="note" label="Note for the operator" type="textarea" rows={2} />
                </Form>
              ) : null}
            </td>
          </tr>
        );
      })}
    </Table>
  );
}
