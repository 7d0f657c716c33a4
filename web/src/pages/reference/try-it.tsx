import { useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { Org, TestData } from '../../api/views.ts';
import { api, ok } from '../../api.ts';
import { Notice } from '../../components.tsx';
import { isJsonObject } from '../../form-values.ts';
import { useUser } from '../../session.tsx';
import { appKeys } from '../apps/queries.ts';
import { useOrgs } from '../org/queries.ts';
import { sandboxKeys } from '../sandbox/queries.ts';
import { absolute, type OpenApi, type OperationDoc, requestExample } from './schema.tsx';

/** The try-it console: calls an operation in the sandbox through the gateway with one of the caller's apps. */

function digits(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String(Math.floor(Math.random() * 10));
  return s;
}

/**
 * Why the token request failed, from the token endpoint's own answer (RFC 6749 `error`, Darwaza's
 * `darwaza_code` and `error_description`): a suspended or revoked app is named as such, never
 * blamed on the secret; only a failed client authentication points at the secret.
 */
function tokenFailure(text: string): string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 'The token request failed, and the token endpoint did not say why.';
  }
  const b = isJsonObject(body) ? body : {};
  const code = typeof b.darwaza_code === 'string' ? b.darwaza_code : '';
  const description = typeof b.error_description === 'string' ? b.error_description : '';
  switch (code) {
    // The endpoint's description names the state and what to do ("This app is suspended: …").
    case 'oauth_app_suspended':
      return description || 'This app is suspended: no token is issued until it is reinstated.';
    case 'oauth_app_revoked':
      return description || 'This app’s access is revoked: no token will be issued to it again.';
    case 'oauth_client_auth_failed':
      return 'The client secret was not accepted (wrong, revoked or expired): copy it again, or create a new secret on the app’s page.';
    case 'credential_wrong_catalog':
      return `${description} Try-it calls the sandbox: use the app’s sandbox client secret, not a production one.`;
    case 'oauth_not_subscribed':
      return 'The app has no active subscription, so no token is issued: subscribe it to a plan first.';
    default:
      return `The token request failed${code ? ` (${code})` : ''}: ${description || 'see the token response below.'}`;
  }
}

/** Fresh wire values (STAN, RRN, Pakistan-time timestamps) wherever the body has those fields. */
function freshen(body: Record<string, unknown>): Record<string, unknown> {
  const out = { ...body };
  const pkt = new Date(Date.now() + 5 * 3_600_000).toISOString();
  const mmdd = pkt.slice(5, 7) + pkt.slice(8, 10);
  const hhmmss = pkt.slice(11, 13) + pkt.slice(14, 16) + pkt.slice(17, 19);
  if ('STAN' in out) out.STAN = digits(6);
  if ('RRN' in out) out.RRN = digits(12);
  if ('TransmissionDateAndTime' in out) out.TransmissionDateAndTime = mmdd + hhmmss;
  if ('Time' in out) out.Time = hhmmss;
  if ('Date' in out) out.Date = mmdd;
  if ('TranDate' in out) out.TranDate = pkt.slice(0, 4) + mmdd;
  if ('TranTime' in out) out.TranTime = hhmmss;
  return out;
}

/** Puts a test account or bill of the organisation's own world into the body, choosing one that answers 00. */
function fillFromTestData(
  body: Record<string, unknown>,
  data: TestData,
  code = '00',
): Record<string, unknown> {
  const out = { ...body };
  const ok =
    data.accounts.find(
      (a) => a.scenario.responseCode === code && (code !== '00' || a.status.toLowerCase() !== 'closed'),
    ) ?? data.accounts.find((a) => a.scenario.responseCode === '00');
  const from = data.banks.find((b) => !b.wallet && b.imd !== ok?.imd) ?? data.banks[0];
  if (ok && ('AccountNumberTo' in out || 'ToBankIMD' in out)) {
    out.AccountNumberTo = ok.iban ?? ok.accountNumber;
    out.ToBankIMD = ok.imd;
    if ('BeneficiaryBankName' in out) out.BeneficiaryBankName = ok.bankName;
    if (from && 'FromBankIMD' in out) out.FromBankIMD = from.imd;
  }
  const bill = data.bills.find((b) => b.scenario.responseCode === '00' || b.scenario.responseCode === '0000');
  if (bill && ('ConsumerNo' in out || 'CompanyCode' in out)) {
    out.ConsumerNo = bill.consumerNo;
    out.CompanyCode = bill.companyCode;
    if ('TransactionAmount' in out && /^\d+$/.test(bill.amountWithinDueDate)) {
      out.TransactionAmount = bill.amountWithinDueDate.padStart(
        String(out.TransactionAmount ?? '').length || 12,
        '0',
      );
    }
  }
  return freshen(out);
}

type Exchange = {
  request: { method: string; url: string; headers: Record<string, string>; body: string | undefined };
  token?: { status: number; body: string };
  response?: {
    status: number;
    statusText: string;
    headers: Array<[string, string]>;
    body: string;
    ms: number;
  };
  error?: string;
};

export function TryIt(props: {
  doc: OpenApi;
  base: string;
  tokenPath: string;
  scope: string;
  method: string;
  path: string;
  op: OperationDoc;
  productSlug: string;
}) {
  const user = useUser();
  const [params] = useSearchParams();
  const orgs = useOrgs();
  const [orgId, setOrgId] = useState(params.get('org') ?? '');
  const [appId, setAppId] = useState(params.get('app') ?? '');
  const [secret, setSecret] = useState('');
  const initial = useMemo(() => {
    const ex = requestExample(props.doc, props.op);
    return ex === undefined
      ? ''
      : JSON.stringify(ex && typeof ex === 'object' ? freshen(ex as Record<string, unknown>) : ex, null, 2);
  }, [props.doc, props.op]);
  const [body, setBody] = useState(initial);
  const [busy, setBusy] = useState(false);
  const [ex, setEx] = useState<Exchange | null>(null);
  const [bodyError, setBodyError] = useState<string | null>(null);

  useEffect(() => {
    if (!orgId && orgs.data?.length) setOrgId(orgs.data[0].id);
  }, [orgs.data, orgId]);
  const apps = useQuery({
    queryKey: appKeys.list(orgId),
    queryFn: async () =>
      (await ok(api.GET('/api/v1/orgs/{orgId}/apps', { params: { path: { orgId } } }))).items,
    enabled: !!orgId && !!user,
  });
  useEffect(() => {
    const list = apps.data ?? [];
    if (list.length && !list.some((a) => a.id === appId)) setAppId(list[0].id);
  }, [apps.data, appId]);
  const testData = useQuery({
    queryKey: sandboxKeys.testData(orgId),
    queryFn: () => ok(api.GET('/api/v1/sandbox/test-data', { params: { query: { orgId } } })),
    enabled: !!orgId && !!user,
  });
  const app = apps.data?.find((a) => a.id === appId);
  const [scenario, setScenario] = useState('00');
  // One beneficiary account per response code, so every branch of a client can be exercised.
  const scenarios = useMemo(() => {
    const seen = new Map<string, string>();
    for (const a of testData.data?.accounts ?? []) {
      if (!seen.has(a.scenario.responseCode)) seen.set(a.scenario.responseCode, a.scenario.description);
    }
    return [...seen.entries()]
      .map(([code, description]) => ({ code, description }))
      .sort((a, b) => a.code.localeCompare(b.code));
  }, [testData.data]);
  const needsSecret = (props.op.security ?? []).some((req) =>
    Object.keys(req).some((k) => /secret/i.test(k)),
  );

  if (!user) {
    return (
      <section className="tryit" aria-labelledby="tryit-h">
        <h3 id="tryit-h">Try it</h3>
        <Notice>
          <Link to="/sign-in">Sign in</Link> to call this operation in the sandbox with one of your apps.
        </Notice>
      </section>
    );
  }

  async function send() {
    setBodyError(null);
    let payload: string | undefined;
    if (body.trim()) {
      try {
        payload = JSON.stringify(JSON.parse(body));
      } catch (e) {
        setBodyError(`The body is not valid JSON: ${(e as Error).message}`);
        return;
      }
    }
    if (!app) return;
    setBusy(true);
    const url = props.base + props.path;
    const headers: Record<string, string> = {
      accept: 'application/json',
      'x-ibm-client-id': app.clientId,
    };
    if (payload !== undefined) headers['content-type'] = 'application/json';
    const shown: Exchange = {
      request: {
        method: props.method.toUpperCase(),
        url: absolute(url),
        headers: { ...headers },
        body: payload,
      },
    };
    try {
      // A token from the gateway's own token endpoint, exactly as the app would get it.
      const tokenRes = await fetch(props.tokenPath, {
        method: 'POST',
        credentials: 'omit',
        headers: {
          authorization: `Basic ${btoa(`${encodeURIComponent(app.clientId)}:${encodeURIComponent(secret)}`)}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: props.scope }).toString(),
      });
      const tokenText = await tokenRes.text();
      shown.token = {
        status: tokenRes.status,
        body: tokenText.replace(/("access_token"\s*:\s*")[^"]+/, '$1…'),
      };
      if (!tokenRes.ok) {
        shown.error = tokenFailure(tokenText);
        setEx(shown);
        return;
      }
      const tokenBody: unknown = JSON.parse(tokenText);
      const token = isJsonObject(tokenBody) ? tokenBody.access_token : undefined;
      headers.authorization = `Bearer ${token}`;
      shown.request.headers.authorization = 'Bearer …';
      if (needsSecret) {
        headers['x-ibm-client-secret'] = secret;
        shown.request.headers['x-ibm-client-secret'] = '••••••';
      }
      const started = performance.now();
      const res = await fetch(url, {
        method: props.method.toUpperCase(),
        credentials: 'omit',
        headers,
        body: payload,
      });
      const text = await res.text();
      let pretty = text;
      try {
        pretty = JSON.stringify(JSON.parse(text), null, 2);
      } catch {}
      shown.response = {
        status: res.status,
        statusText: res.statusText,
        headers: [...res.headers.entries()],
        body: pretty,
        ms: Math.round(performance.now() - started),
      };
      setEx(shown);
    } catch (e) {
      // A browser says only "Failed to fetch" for an unreachable gateway or a CORS refusal alike.
      shown.error = `${(e as Error).message}: the gateway at ${new URL(url, location.href).origin} did not answer, or did not allow calls from this page's origin.`;
      setEx(shown);
    } finally {
      setBusy(false);
    }
  }

  let networkCode: string | null = null;
  let networkDetail: string | null = null;
  if (ex?.response) {
    try {
      const parsed: unknown = JSON.parse(ex.response.body);
      const b = isJsonObject(parsed) ? parsed : {};
      const rc =
        b.ResponseCode ?? b.responseCode ?? (isJsonObject(b.response) ? b.response.responseCode : undefined);
      if (typeof rc === 'string') networkCode = rc;
      const rd = b.ResponseDetail ?? b.responseDetail ?? b.ResponseDescription;
      if (typeof rd === 'string') networkDetail = rd;
    } catch {}
  }

  return (
    <section className="tryit" aria-labelledby="tryit-h">
      <h3 id="tryit-h">Try it</h3>
      {orgs.data && orgs.data.length === 0 ? (
        <Notice>
          Create an organisation and register an app first: <Link to="/orgs/new">create an organisation</Link>
          .
        </Notice>
      ) : (
        <form
          className="form"
          aria-label="Try it"
          onSubmit={(e) => {
            e.preventDefault();
            void send();
          }}
        >
          <div className="grid-2 tight">
            <div className="field">
              <label htmlFor="try-org">Organisation</label>
              <select id="try-org" value={orgId} onChange={(e) => setOrgId(e.target.value)}>
                {(orgs.data ?? []).map((o: Org) => (
                  <option key={o.id} value={o.id}>
                    {o.name}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="try-app">App</label>
              <select
                id="try-app"
                value={appId}
                onChange={(e) => setAppId(e.target.value)}
                aria-describedby="try-app-hint"
              >
                {(apps.data ?? []).map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.name}
                  </option>
                ))}
              </select>
              <div id="try-app-hint" className="hint">
                {apps.data && apps.data.length === 0 ? (
                  <>
                    No apps. <Link to={`/orgs/${orgId}/apps/new`}>Register one</Link>.
                  </>
                ) : app ? (
                  <>
                    Sandbox client ID <code className="mono">{app.clientId}</code>. The app must be subscribed
                    to {props.productSlug}. Try-it always calls the sandbox, with the app’s sandbox
                    credentials.
                  </>
                ) : null}
              </div>
            </div>
          </div>
          <div className="field">
            <label htmlFor="try-secret">Client secret</label>
            <div id="try-secret-hint" className="hint">
              Used only to get a token from the gateway's token endpoint. It stays in this page and is never
              stored.
            </div>
            <input
              id="try-secret"
              type="password"
              autoComplete="off"
              value={secret}
              onChange={(e) => setSecret(e.target.value)}
              aria-describedby="try-secret-hint"
              required
            />
          </div>
          {initial !== '' || props.op.requestBody ? (
            <div className={bodyError ? 'field has-error' : 'field'}>
              <div className="label-row">
                <label htmlFor="try-body">Request body (JSON)</label>
                <span className="row-actions">
                  {testData.data && scenarios.length > 1 ? (
                    <span className="inline-field">
                      <label htmlFor="try-scenario">Scenario</label>
                      <select
                        id="try-scenario"
                        value={scenario}
                        onChange={(e) => setScenario(e.target.value)}
                      >
                        {scenarios.map((sc) => (
                          <option key={sc.code} value={sc.code}>
                            {sc.code} — {sc.description}
                          </option>
                        ))}
                      </select>
                    </span>
                  ) : null}
                  {testData.data ? (
                    <button
                      type="button"
                      className="btn btn-secondary btn-small"
                      onClick={() => {
                        try {
                          setBody(
                            JSON.stringify(
                              fillFromTestData(JSON.parse(body || '{}'), testData.data!, scenario),
                              null,
                              2,
                            ),
                          );
                        } catch {
                          setBodyError('Fix the JSON first, then fill from test data.');
                        }
                      }}
                    >
                      Fill from my test data
                    </button>
                  ) : null}
                  <button
                    type="button"
                    className="btn btn-secondary btn-small"
                    onClick={() => {
                      try {
                        setBody(JSON.stringify(freshen(JSON.parse(body || '{}')), null, 2));
                      } catch {
                        setBody(initial);
                      }
                    }}
                  >
                    New STAN/RRN/time
                  </button>
                </span>
              </div>
              <textarea
                id="try-body"
                className="mono"
                rows={14}
                spellCheck={false}
                value={body}
                onChange={(e) => setBody(e.target.value)}
                aria-invalid={bodyError ? true : undefined}
                aria-describedby={bodyError ? 'try-body-err' : undefined}
              />
              {bodyError ? (
                <div id="try-body-err" className="field-error">
                  {bodyError}
                </div>
              ) : null}
            </div>
          ) : null}
          <div className="form-actions">
            <button type="submit" className="btn btn-primary" disabled={busy || !app || !secret}>
              {busy ? 'Sending…' : 'Send request'}
            </button>
          </div>
        </form>
      )}
      <div aria-live="polite" className="tryit-result">
        {ex ? (
          <div className="exchange">
            {networkCode !== null ? (
              <p
                className={networkCode === '00' || networkCode === '0000' ? 'rc rc-ok' : 'rc rc-bad'}
                data-testid="network-code"
              >
                ResponseCode {networkCode}
                {networkDetail ? <span> — {networkDetail}</span> : null}
              </p>
            ) : null}
            {ex.error ? (
              <p className="field-error" role="alert">
                {ex.error}
              </p>
            ) : null}
            <h4>Request</h4>
            <pre className="json small">
              {`${ex.request.method} ${ex.request.url}\n${Object.entries(ex.request.headers)
                .map(([k, v]) => `${k}: ${v}`)
                .join(
                  '\n',
                )}${ex.request.body ? `\n\n${JSON.stringify(JSON.parse(ex.request.body), null, 2)}` : ''}`}
            </pre>
            {ex.token ? (
              <details>
                <summary>Token request: HTTP {ex.token.status}</summary>
                <pre className="json small">{ex.token.body}</pre>
              </details>
            ) : null}
            {ex.response ? (
              <>
                <h4>
                  Response: HTTP {ex.response.status} {ex.response.statusText}{' '}
                  <span className="muted small">({ex.response.ms} ms)</span>
                </h4>
                <details>
                  <summary>Headers</summary>
                  <pre className="json small">
                    {ex.response.headers.map(([k, v]) => `${k}: ${v}`).join('\n')}
                  </pre>
                </details>
                <pre className="json small" data-testid="response-body">
                  {ex.response.body}
                </pre>
              </>
            ) : null}
          </div>
        ) : null}
      </div>
    </section>
  );
}
