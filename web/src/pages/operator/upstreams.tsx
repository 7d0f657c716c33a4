import { useQuery } from '@tanstack/react-query';
import { api, ok } from '../../api.ts';
import { Badge, Field, Form, QueryView, when } from '../../components.tsx';

type Upstream = Awaited<ReturnType<typeof loadUpstreams>>['items'][number];

const loadUpstreams = async () => ok(api.GET('/api/v1/admin/upstreams'));

/** Numbers from a form: an empty field keeps the stored value (or the default for a new upstream). */
const num = (v: unknown) => (v === '' || v === undefined ? undefined : Number(v));

/**
 * Production upstreams: each catalogue product's back-end for production calls — base URL,
 * time-outs, response size cap, the caller's headers passed on and optional mutual TLS (the key is
 * sent once and never shown again). A value out of bounds is refused naming the field. Gateways
 * pick up a change within seconds; their circuit state is in each gateway's /readyz and /metrics.
 */
export function UpstreamsAdmin() {
  const q = useQuery({
    queryKey: ['admin-upstreams'],
    queryFn: async () => {
      const [upstreams, products] = await Promise.all([
        loadUpstreams(),
        ok(api.GET('/api/v1/products', { params: { query: { all: 'true' } } })),
      ]);
      return { upstreams: upstreams.items, products: products.items.map((p) => p.slug) };
    },
  });
  return (
    <QueryView q={q} label="Loading upstreams…">
      {({ upstreams, products }) => (
        <>
          <p className="muted small">
            Production calls of a product without an upstream are answered 503
            gateway_upstream_not_configured. Sandbox calls never leave the gateway.
          </p>
          {products.map((slug) => (
            <UpstreamCard
              key={slug}
              slug={slug}
              u={upstreams.find((u) => u.productSlug === slug) ?? null}
              saved={async () => {
                await q.refetch();
              }}
            />
          ))}
        </>
      )}
    </QueryView>
  );
}

function UpstreamCard({ slug, u, saved }: { slug: string; u: Upstream | null; saved: () => Promise<void> }) {
  return (
    <section aria-labelledby={`up-${slug}`} className="card">
      <h2 id={`up-${slug}`}>
        {slug} <Badge status={u ? (u.enabled ? 'active' : 'disabled') : 'pending'} />
      </h2>
      <p className="muted small">
        {u
          ? `Version ${u.version}, changed ${when(u.updatedAt)}${u.tls ? ` · mutual TLS as ${u.tls.certificateSubject} until ${when(u.tls.certificateNotAfter)}` : ' · no client certificate'}`
          : 'No upstream: production calls are refused.'}
      </p>
      <Form
        label={`Upstream of ${slug}`}
        submitLabel="Save"
        onSubmit={async (v) => {
          const tls =
            v.removeTls === true
              ? null
              : v.certificatePem
                ? {
                    certificatePem: String(v.certificatePem),
                    privateKeyPem: String(v.privateKeyPem ?? ''),
                    caPem: v.caPem ? String(v.caPem) : null,
                  }
                : undefined;
          await ok(
            api.PATCH('/api/v1/admin/upstreams/{productSlug}', {
              params: { path: { productSlug: slug } },
              body: {
                baseUrl: String(v.baseUrl),
                connectTimeoutMs: num(v.connectTimeoutMs),
                responseTimeoutMs: num(v.responseTimeoutMs),
                maxResponseBytes: num(v.maxResponseBytes),
                headerAllowList: String(v.headerAllowList ?? '')
                  .split(',')
                  .map((h) => h.trim())
                  .filter(Boolean),
                enabled: v.enabled === true,
                ...(tls === undefined ? {} : { tls }),
              },
            }),
          );
          await saved();
        }}
      >
        <Field name="baseUrl" label="Base URL" type="url" defaultValue={u?.baseUrl ?? ''} required />
        <Field
          name="connectTimeoutMs"
          label="Connect time-out (ms, 50–30 000)"
          type="number"
          defaultValue={u ? String(u.connectTimeoutMs) : ''}
        />
        <Field
          name="responseTimeoutMs"
          label="Response time-out (ms, 100–120 000)"
          type="number"
          defaultValue={u ? String(u.responseTimeoutMs) : ''}
        />
        <Field
          name="maxResponseBytes"
          label="Largest response (bytes, 256–16 777 216)"
          type="number"
          defaultValue={u ? String(u.maxResponseBytes) : ''}
        />
        <Field
          name="headerAllowList"
          label="Caller headers passed on (comma-separated)"
          hint="Credentials (Authorization, X-IBM-Client-Id, X-IBM-Client-Secret) are never passed on."
          defaultValue={u ? u.headerAllowList.join(', ') : 'content-type, accept, idempotency-key'}
        />
        <Field name="enabled" label="On" type="checkbox" defaultValue={String(u?.enabled ?? true)} />
        <Field
          name="certificatePem"
          aliases={['tls.certificatePem', 'tls']}
          label="Client certificate (PEM) for mutual TLS: leave empty to keep"
          type="textarea"
          rows={3}
        />
        <Field
          name="privateKeyPem"
          aliases={['tls.privateKeyPem']}
          label="Its private key (PEM): stored encrypted, never shown"
          type="textarea"
          rows={3}
        />
        <Field
          name="caPem"
          aliases={['tls.caPem']}
          label="Upstream's CA (PEM), if private"
          type="textarea"
          rows={3}
        />
        {u?.tls ? <Field name="removeTls" label="Remove the client certificate" type="checkbox" /> : null}
      </Form>
    </section>
  );
}
