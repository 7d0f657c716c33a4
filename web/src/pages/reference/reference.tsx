import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import type { Product } from '../../api/views.ts';
import { api, ok } from '../../api.ts';
import { Badge, Empty, Page, QueryView, Table } from '../../components.tsx';
import { Markdown } from '../../markdown.tsx';
import { useProduct } from '../public/queries.ts';
import { referenceKeys } from './queries.ts';
import { absolute, gatewayUrl, METHODS, type OpenApi, resolve, SchemaTable, typeLabel } from './schema.tsx';
import { TryIt } from './try-it.tsx';

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
  // Try-it always calls the sandbox catalog, with the app's sandbox credentials (issue 35): the
  // sandbox server even where a document lists production first.
  const sandboxServer = d.servers?.find((s) => /\/sandbox\/?$/.test(s.url ?? '')) ?? d.servers?.[0];
  const base = gatewayUrl(sandboxServer?.url, '/darwaza/sandbox');
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
