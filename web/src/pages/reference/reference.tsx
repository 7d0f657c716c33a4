import { useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import type { App, Org, Product, TestData } from '../../api/views.ts';
import { api, ok } from '../../api.ts';
import { Badge, Empty, Notice, Page, QueryView, Table } from '../../components.tsx';
import { isJsonObject } from '../../form-values.ts';
import { Markdown } from '../../markdown.tsx';
import { useUser } from '../../session.tsx';
import { appKeys } from '../apps/queries.ts';
import { useOrgs } from '../org/queries.ts';
import { useProduct } from '../public/queries.ts';
import { sandboxKeys } from '../sandbox/queries.ts';
import { referenceKeys } from './queries.ts';

type Schema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  description?: string;
  example?: unknown;
  examples?: unknown[];
  default?: unknown;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
};
type Parameter = {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: Schema;
  example?: unknown;
};
type MediaType = {
  schema?: Schema;
  example?: unknown;
  examples?: Record<string, { value?: unknown; summary?: string }>;
};
type OperationDoc = {
  operationId?: string;
  summary?: string;
  description?: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; description?: string; content?: Record<string, MediaType> };
  responses?: Record<string, { description?: string; content?: Record<string, MediaType> }>;
  security?: Array<Record<string, string[]>>;
  tags?: string[];
};
type OpenApi = {
  info?: { title?: string; version?: string; description?: string };
  servers?: Array<{ url: string; description?: string }>;
  paths?: Record<string, Record<string, OperationDoc>>;
  components?: {
    schemas?: Record<string, Schema>;
    securitySchemes?: Record<
      string,
      {
        type: string;
        name?: string;
        in?: string;
        flows?: { clientCredentials?: { tokenUrl?: string; scopes?: Record<string, string> } };
      }
    >;
  };
};

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

function resolve(doc: OpenApi, s: Schema | undefined, depth = 0): Schema | undefined {
  if (!s || depth > 20) return s;
  if (s.$ref?.startsWith('#/components/schemas/')) {
    return resolve(doc, doc.components?.schemas?.[s.$ref.slice('#/components/schemas/'.length)], depth + 1);
  }
  if (s.allOf) {
    const merged: Schema = { type: 'object', properties: {}, required: [] };
    for (const part of s.allOf) {
      const r = resolve(doc, part, depth + 1);
      Object.assign(merged.properties!, r?.properties ?? {});
      merged.required!.push(...(r?.required ?? []));
    }
    return merged;
  }
  return s;
}

/** An example value from the document: explicit examples first, then one built from the schema. */
function exampleOf(doc: OpenApi, s: Schema | undefined, depth = 0): unknown {
  const r = resolve(doc, s);
  if (!r || depth > 8) return null;
  if (r.example !== undefined) return r.example;
  if (r.examples?.length) return r.examples[0];
  if (r.default !== undefined) return r.default;
  if (r.enum?.length) return r.enum[0];
  const t = Array.isArray(r.type) ? r.type.find((x) => x !== 'null') : r.type;
  if (t === 'object' || r.properties) {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(r.properties ?? {})) o[k] = exampleOf(doc, v, depth + 1);
    return o;
  }
  if (t === 'array') return [exampleOf(doc, r.items, depth + 1)];
  if (t === 'integer' || t === 'number') return 0;
  if (t === 'boolean') return false;
  if (r.oneOf?.[0] || r.anyOf?.[0]) return exampleOf(doc, (r.oneOf ?? r.anyOf)![0], depth + 1);
  return r.maxLength && r.minLength === r.maxLength ? '0'.repeat(r.maxLength) : '';
}

function requestExample(doc: OpenApi, op: OperationDoc): unknown {
  const media = op.requestBody?.content?.['application/json'];
  if (!media) return undefined;
  if (media.example !== undefined) return media.example;
  const first = media.examples ? Object.values(media.examples)[0]?.value : undefined;
  if (first !== undefined) return first;
  return exampleOf(doc, media.schema);
}

function typeLabel(doc: OpenApi, s: Schema | undefined): string {
  const r = resolve(doc, s);
  if (!r) return 'any';
  const t = Array.isArray(r.type) ? r.type.join(' | ') : (r.type ?? (r.properties ? 'object' : 'any'));
  const extra = [
    r.format,
    r.pattern ? `pattern ${r.pattern}` : null,
    r.maxLength !== undefined ? `max ${r.maxLength}` : null,
    r.enum ? `one of ${r.enum.join(', ')}` : null,
  ].filter(Boolean);
  return extra.length ? `${t} (${extra.join('; ')})` : t;
}

function SchemaTable(props: { doc: OpenApi; schema: Schema | undefined; caption: string }) {
  const r = resolve(props.doc, props.schema);
  const props2 = r?.properties ?? {};
  const names = Object.keys(props2);
  if (names.length === 0) return <p className="muted small">{typeLabel(props.doc, props.schema)}</p>;
  return (
    <Table caption={props.caption} hideCaption head={['Field', 'Type', 'Required', 'Description']}>
      {names.map((n) => {
        const f = resolve(props.doc, props2[n]);
        return (
          <tr key={n}>
            <td className="mono">{n}</td>
            <td className="small">{typeLabel(props.doc, props2[n])}</td>
            <td>{r?.required?.includes(n) ? 'yes' : ''}</td>
            <td className="small">
              <Markdown inline text={f?.description} />
            </td>
          </tr>
        );
      })}
    </Table>
  );
}

/**
 * A URL of a document as try-it calls it: a path when the gateway is this page's origin, the
 * absolute URL when it runs elsewhere (GATEWAY_PUBLIC_URL; the gateway allows this origin by CORS).
 * Relative URLs resolve against `base` (OpenAPI: against the server's URL).
 */
function gatewayUrl(url: string | undefined, fallback: string, base = location.origin): string {
  if (!url) return fallback;
  try {
    const u = new URL(url, base);
    const path = u.pathname.replace(/\/$/, '');
    return u.origin === location.origin ? path : u.origin + path;
  } catch {
    return fallback;
  }
}

/** A URL as shown to people: absolute. */
function absolute(url: string): string {
  return new URL(url, location.origin).href;
}

export function ReferencePage() {
  const { slug = '' } = useParams();
  const product = useProduct(slug);
  return (
    <QueryView q={product} label="Loading the product…">
      {(p) => <Reference product={p} />}
    </QueryView>
  );
}

function Reference(props: { product: Product }) {
  const p = props.product;
  const [apiId, setApiId] = useState(p.apis[0]?.id ?? '');
  const doc = useQuery({
    queryKey: referenceKeys.apiDocument(p.slug, apiId),
    queryFn: () =>
      ok(
        api.GET('/api/v1/products/{slug}/apis/{apiId}/openapi.json', {
          params: { path: { slug: p.slug, apiId } },
        }),
      ),
    enabled: !!apiId,
    staleTime: 300_000,
  });
  return (
    <Page
      title={`${p.name}: API reference`}
      lead="Every operation, its fields and responses. Try them against the sandbox with one of your apps."
      actions={
        <Link className="btn btn-secondary" to={`/catalog/${p.slug}`}>
          Product and plans
        </Link>
      }
    >
      {p.apis.length > 1 ? (
        <div className="toolbar">
          <label htmlFor="api-pick">API version</label>
          <select id="api-pick" value={apiId} onChange={(e) => setApiId(e.target.value)}>
            {p.apis.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name} {a.version}
              </option>
            ))}
          </select>
        </div>
      ) : null}
      {p.apis.length === 0 ? <Empty>This product has no API document yet.</Empty> : null}
      {apiId ? (
        <QueryView q={doc} label="Loading the API document…">
          {(d) => <ApiDoc doc={d} product={p} />}
        </QueryView>
      ) : null}
    </Page>
  );
}

function ApiDoc(props: { doc: OpenApi; product: Product }) {
  const d = props.doc;
  const base = gatewayUrl(d.servers?.[0]?.url, '/darwaza/sandbox');
  const server = absolute(base);
  const schemes = d.components?.securitySchemes ?? {};
  const oauth = Object.values(schemes).find((s) => s.type === 'oauth2');
  const tokenPath = gatewayUrl(oauth?.flows?.clientCredentials?.tokenUrl, `${base}/oauth2/token`, server);
  const scope = Object.keys(oauth?.flows?.clientCredentials?.scopes ?? {})[0] ?? '1LinkApi';
  const ops = Object.entries(d.paths ?? {}).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((m) => ({ path, method: m, op: item[m] })),
  );
  const [selected, setSelected] = useState(ops[0] ? `${ops[0].method} ${ops[0].path}` : '');
  const current = ops.find((o) => `${o.method} ${o.path}` === selected);
  return (
    <>
      <section className="card">
        <h2>
          {d.info?.title ?? 'API'} <span className="muted">v{d.info?.version}</span>
        </h2>
        {d.info?.description ? <Markdown text={d.info.description} headingOffset={2} /> : null}
        <h3>Base URL and security</h3>
        <p>
          Base URL: <code className="mono">{server}</code>
        </p>
        <ul>
          {Object.entries(schemes).map(([name, s]) => (
            <li key={name}>
              <strong>{name}</strong>:{' '}
              {s.type === 'apiKey'
                ? `API key in the ${s.in} "${s.name}"`
                : s.type === 'oauth2'
                  ? `OAuth2 client credentials; token URL ${absolute(tokenPath)}; scope ${scope}`
                  : s.type}
            </li>
          ))}
        </ul>
      </section>
      <div className="reference">
        <nav aria-label="Operations" className="ref-nav">
          <h2 className="h3">Operations</h2>
          <ul>
            {ops.map((o) => {
              const key = `${o.method} ${o.path}`;
              return (
                <li key={key}>
                  <button
                    type="button"
                    className={key === selected ? 'ref-op active' : 'ref-op'}
                    aria-current={key === selected ? 'true' : undefined}
                    onClick={() => setSelected(key)}
                  >
                    <span className={`method method-${o.method}`}>{o.method.toUpperCase()}</span>
                    <span>{o.op.summary ?? o.op.operationId ?? o.path}</span>
                  </button>
                </li>
              );
            })}
          </ul>
        </nav>
        {current ? (
          <article className="ref-op-detail" key={selected}>
            <h2>
              <span className={`method method-${current.method}`}>{current.method.toUpperCase()}</span>{' '}
              <span className="mono">{current.path}</span>
            </h2>
            <p className="lead">{current.op.summary}</p>
            {current.op.operationId ? (
              <p className="small">
                operationId <code>{current.op.operationId}</code>
              </p>
            ) : null}
            <Markdown text={current.op.description} headingOffset={2} />
            {current.op.parameters?.length ? (
              <>
                <h3>Parameters</h3>
                <Table
                  caption="Parameters"
                  hideCaption
                  head={['Name', 'In', 'Type', 'Required', 'Description']}
                >
                  {current.op.parameters.map((pa) => (
                    <tr key={`${pa.in}-${pa.name}`}>
                      <td className="mono">{pa.name}</td>
                      <td>{pa.in}</td>
                      <td className="small">{typeLabel(d, pa.schema)}</td>
                      <td>{pa.required ? 'yes' : ''}</td>
                      <td className="small">
                        <Markdown inline text={pa.description} />
                      </td>
                    </tr>
                  ))}
                </Table>
              </>
            ) : null}
            {current.op.requestBody?.content?.['application/json'] ? (
              <>
                <h3>Request body</h3>
                <SchemaTable
                  doc={d}
                  schema={current.op.requestBody.content['application/json'].schema}
                  caption="Request fields"
                />
              </>
            ) : null}
            <h3>Responses</h3>
            <ul className="responses">
              {Object.entries(current.op.responses ?? {}).map(([code, r]) => {
                const schema = r.content?.['application/json']?.schema;
                return (
                  <li key={code}>
                    <Badge status={code.startsWith('2') ? 'active' : 'declined'} /> <strong>{code}</strong>{' '}
                    <Markdown inline text={r.description} />
                    {schema && resolve(d, schema)?.properties ? (
                      <details>
                        <summary>Fields of the {code} response</summary>
                        <SchemaTable doc={d} schema={schema} caption={`Fields of the ${code} response`} />
                      </details>
                    ) : null}
                  </li>
                );
              })}
            </ul>
            <TryIt
              doc={d}
              base={base}
              tokenPath={tokenPath}
              scope={scope}
              method={current.method}
              path={current.path}
              op={current.op}
              productSlug={props.product.slug}
            />
          </article>
        ) : (
          <Empty>No operations in this document.</Empty>
        )}
      </div>
    </>
  );
}

// ------------------------------------------------------------------ the try-it console

function digits(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String(Math.floor(Math.random() * 10));
  return s;
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

function TryIt(props: {
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
        shown.error = 'The token request failed: check the client secret and that the app is subscribed.';
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
                    Client ID <code className="mono">{app.clientId}</code>. The app must be subscribed to{' '}
                    {props.productSlug}.
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
