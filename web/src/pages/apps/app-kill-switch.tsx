import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { App } from '../../api/views.ts';
import { api, ok } from '../../api.ts';
import { enforcementKeys } from '../../components/enforcement.tsx';
import { Field, Form, Notice } from '../../components.tsx';
import { appKeys } from './queries.ts';

/**
 * The organisation's kill switch on one app (owners and admins): suspend it at once, reinstate it
 * when the organisation suspended it itself, and revoke every access token it holds.
 */
export function AppKillSwitch(props: { orgId: string; app: App }) {
  const { orgId, app } = props;
  const qc = useQueryClient();
  const [revoked, setRevoked] = useState<number | null>(null);
  const refresh = async () => {
    await qc.invalidateQueries({ queryKey: appKeys.one(orgId, app.id) });
    await qc.invalidateQueries({ queryKey: enforcementKeys.orgActions(orgId, app.id) });
  };
  const path = { params: { path: { orgId, appId: app.id } } };
  if (app.status === 'revoked') return null;
  return (
    <section className="card" aria-labelledby="kill-h">
      <h2 id="kill-h">Stop this app</h2>
      <p className="muted">
        If the app floods the APIs or its credentials leaked, stop it here at once. Every gateway refuses it
        until an admin reinstates it.
      </p>
      {app.status === 'active' ? (
        <Form
          submitLabel="Suspend this app"
          danger
          onSubmit={async (v) => {
            await ok(
              api.POST('/api/v1/orgs/{orgId}/apps/{appId}/suspend', {
                ...path,
                body: { reason: String(v.reason ?? '').trim() },
              }),
            );
            await refresh();
          }}
        >
          <Field name="reason" label="Why (kept in the audit log)" required />
        </Form>
      ) : (
        <Form
          submitLabel="Reinstate this app"
          onSubmit={async (v) => {
            await ok(
              api.POST('/api/v1/orgs/{orgId}/apps/{appId}/reinstate', {
                ...path,
                body: { reason: String(v.reason ?? '').trim() },
              }),
            );
            await refresh();
          }}
        >
          <Field name="reason" label="What was fixed" required />
        </Form>
      )}
      <button
        type="button"
        className="btn btn-danger"
        onClick={async () =>
          setRevoked((await ok(api.POST('/api/v1/orgs/{orgId}/apps/{appId}/revoke-tokens', path))).revoked)
        }
      >
        Revoke all access tokens
      </button>
      {revoked !== null ? <Notice tone="ok">{revoked} token(s) revoked.</Notice> : null}
    </section>
  );
}
