import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import type { App } from '../../api/views.ts';
import { api, ok } from '../../api.ts';
import { OrgNav } from '../../components/org-nav.tsx';
import {
  Badge,
  CopyButton,
  Dl,
  Empty,
  Field,
  Form,
  Notice,
  Page,
  QueryView,
  Table,
} from '../../components.tsx';
import { Markdown } from '../../markdown.tsx';
import { useOrg } from '../org/queries.ts';
import { canDevelop } from '../org/roles.ts';
import { appKeys } from './queries.ts';

function useApps(orgId: string) {
  return useQuery({
    queryKey: appKeys.list(orgId),
    queryFn: async () =>
      (await ok(api.GET('/api/v1/orgs/{orgId}/apps', { params: { path: { orgId } } }))).items,
    enabled: !!orgId,
  });
}

export function AppsPage() {
  const { orgId = '' } = useParams();
  const org = useOrg(orgId);
  const apps = useApps(orgId);
  return (
    <Page
      title="Apps"
      lead={
        org.data
          ? `Apps of ${org.data.name}. Each app has its own credentials, subscriptions and usage.`
          : undefined
      }
      actions={
        canDevelop(org.data) ? (
          <Link className="btn btn-primary" to={`/orgs/${orgId}/apps/new`}>
            Register an app
          </Link>
        ) : null
      }
    >
      <OrgNav orgId={orgId} current="apps" />
      <QueryView q={apps} label="Loading apps…">
        {(list) =>
          list.length === 0 ? (
            <Empty>
              No apps yet.{' '}
              {canDevelop(org.data) ? (
                <Link to={`/orgs/${orgId}/apps/new`}>Register your first app</Link>
              ) : null}
            </Empty>
          ) : (
            <Table caption="Apps" head={['App', 'Client ID', 'Environment', 'Status', '']} hideCaption>
              {list.map((a) => (
                <tr key={a.id}>
                  <th scope="row">
                    <Link to={`/orgs/${orgId}/apps/${a.id}`}>{a.name}</Link>
                    {a.description ? (
                      <div className="muted small">
                        <Markdown inline text={a.description} />
                      </div>
                    ) : null}
                  </th>
                  <td className="mono">{a.clientId}</td>
                  <td>{a.environment}</td>
                  <td>
                    <Badge status={a.status} />
                  </td>
                  <td>
                    <Link to={`/orgs/${orgId}/apps/${a.id}/usage`}>Usage</Link>
                  </td>
                </tr>
              ))}
            </Table>
          )
        }
      </QueryView>
    </Page>
  );
}

/** The secret, once: a clear warning, a copy button, and focus moved here so it is not missed. */
export function SecretOnce(props: { clientId: string; secret: string; title: string; children?: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <div className="card secret-once">
      <h2 ref={ref} tabIndex={-1}>
        {props.title}
      </h2>
      <Notice tone="warn" title="Copy the client secret now">
        This is the only time the secret is shown. We store only a hash of it; if you lose it, create a new
        one.
      </Notice>
      <Dl
        rows={[
          [
            'Client ID',
            <span key="id" className="copyable">
              <code className="mono" data-testid="client-id">
                {props.clientId}
              </code>
              <CopyButton value={props.clientId} label="Copy client ID" />
            </span>,
          ],
          [
            'Client secret',
            <span key="sec" className="copyable">
              <code className="mono secret" data-testid="client-secret">
                {props.secret}
              </code>
              <CopyButton value={props.secret} label="Copy client secret" />
            </span>,
          ],
        ]}
      />
      {props.children}
    </div>
  );
}

export function NewAppPage() {
  const { orgId = '' } = useParams();
  const org = useOrg(orgId);
  const qc = useQueryClient();
  const [created, setCreated] = useState<{
    app: App;
    clientId: string;
    clientSecret: string;
    gatewayBaseUrl: string;
  } | null>(null);
  if (created) {
    return (
      <Page title={`${created.app.name} is registered`}>
        <SecretOnce title="Your app's credentials" clientId={created.clientId} secret={created.clientSecret}>
          <p>
            Gateway base URL: <code className="mono">{created.gatewayBaseUrl}</code>
          </p>
          <p>
            Next, <Link to={`/orgs/${orgId}/apps/${created.app.id}`}>subscribe the app to a plan</Link>.
          </p>
        </SecretOnce>
      </Page>
    );
  }
  return (
    <Page
      title="Register an app"
      lead={org.data ? `In ${org.data.name}. Apps start in the sandbox.` : undefined}
    >
      <div className="narrow card">
        <Form
          submitLabel="Register app"
          busyLabel="Registering…"
          codeFields={{ invalid_public_key: 'publicKeyPem' }}
          onSubmit={async (v) => {
            const callbackUrls = String(v.callbackUrls ?? '')
              .split(/\s+/)
              .map((u) => u.trim())
              .filter(Boolean);
            const r = await ok(
              api.POST('/api/v1/orgs/{orgId}/apps', {
                params: { path: { orgId } },
                body: {
                  name: String(v.name ?? '').trim(),
                  description: String(v.description ?? '').trim(),
                  callbackUrls,
                  publicKeyPem: String(v.publicKeyPem ?? '').trim() || null,
                },
              }),
            );
            await qc.invalidateQueries({ queryKey: appKeys.list(orgId) });
            setCreated(r);
          }}
        >
          <Field name="name" label="App name" required maxLength={100} />
          <Field name="description" label="Description" type="textarea" rows={3} />
          <Field
            name="callbackUrls"
            label="Callback URLs"
            type="textarea"
            rows={2}
            hint="One per line, https only (webhooks from the sandbox go here)."
          />
          <Field
            name="publicKeyPem"
            label="Public key (PEM)"
            type="textarea"
            rows={4}
            hint="Optional. An RSA public key (2048 bits or more) for operations that need a signed HASH. Never paste a private key."
          />
        </Form>
      </div>
    </Page>
  );
}
