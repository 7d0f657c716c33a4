import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { api, ok } from '../../api.ts';
import { PlansTable } from '../../components/plans.tsx';
import { Badge, CodeBlock, day, Empty, Notice, Page, QueryView, Table, when } from '../../components.tsx';
import { Markdown } from '../../markdown.tsx';
import { useUser } from '../../session.tsx';
import { catalogKeys, useApplicableTerms, useProduct, useProducts } from './queries.ts';

// ------------------------------------------------------------------ terms

// ------------------------------------------------------------------ pages

export function HomePage() {
  const user = useUser();
  const products = useProducts();
  return (
    <div className="home">
      <section className="hero">
        <div className="hero-inner">
          <p className="eyebrow">Payments network sandbox</p>
          <h1 tabIndex={-1}>Build on the interbank network, safely, before you go live</h1>
          <p className="lead">
            Darwaza gives your team a simulated network with its own banks, accounts and billers. Call IBFT
            title fetch and funds transfer, 1Bill inquiry and payment in the network's own message formats,
            watch every request in your logs, and ask for production access when you are ready.
          </p>
          <div className="hero-actions">
            {user ? (
              <Link className="btn btn-primary" to="/dashboard">
                Go to your dashboard
              </Link>
            ) : (
              <Link className="btn btn-primary" to="/sign-up">
                Create a developer account
              </Link>
            )}
            <Link className="btn btn-secondary" to="/getting-started">
              Read the getting-started guide
            </Link>
          </div>
        </div>
      </section>
      <section className="features" aria-labelledby="offer">
        <h2 id="offer">What the sandbox offers</h2>
        <ul className="feature-grid">
          <li className="card">
            <h3>A network of your own</h3>
            <p>
              Every organisation gets generated banks, accounts, wallets and billers. Transfers move simulated
              money on a ledger, and one click resets it.
            </p>
          </li>
          <li className="card">
            <h3>Real wire formats</h3>
            <p>
              12-digit amounts, STAN and RRN, MMDDhhmmss timestamps and the network's two-digit response codes
              — the same shapes your production integration will see.
            </p>
          </li>
          <li className="card">
            <h3>Every response code on demand</h3>
            <p>
              Scenario values trigger declines, timeouts and host-down answers, so you can test each branch of
              your code before a customer finds it.
            </p>
          </li>
          <li className="card">
            <h3>OAuth2 and plans</h3>
            <p>
              Client credentials, tokens, rate limits, quotas and end-user caps behave as in production. Ask
              for higher limits from your app's page.
            </p>
          </li>
          <li className="card">
            <h3>Usage and logs</h3>
            <p>
              See calls, errors and latency per app as they happen, and search the request log with sensitive
              fields masked (bodies of every error, and of up to 10 successful calls per app per second).
            </p>
          </li>
          <li className="card">
            <h3>Terms you can follow</h3>
            <p>
              Versioned terms with notice periods: you see what changes, when it takes effect, and what your
              organisation accepted.
            </p>
          </li>
        </ul>
      </section>
      <section aria-labelledby="products-h" className="products-strip">
        <h2 id="products-h">APIs in the sandbox</h2>
        <QueryView q={products} label="Loading the catalogue…">
          {(list) =>
            list.length === 0 ? (
              <Empty>The catalogue is empty for now.</Empty>
            ) : (
              <ul className="product-grid">
                {list.map((p) => (
                  <li key={p.id} className="card product-card">
                    <h3>
                      <Link to={`/catalog/${p.slug}`}>{p.name}</Link>
                    </h3>
                    <p>{firstSentence(p.description)}</p>
                  </li>
                ))}
              </ul>
            )
          }
        </QueryView>
      </section>
    </div>
  );
}

function firstSentence(s: string): string {
  const plain = s.replace(/[#*`>]/g, '').trim();
  const m = /^(.{0,220}?[.!?])(\s|$)/.exec(plain);
  return m ? m[1] : plain.slice(0, 220);
}

export function CatalogPage() {
  const products = useProducts();
  return (
    <Page
      title="API catalogue"
      lead="Products group the network's APIs. Subscribe an app to one plan per product; some plans need the operator's approval."
    >
      <QueryView q={products} label="Loading the catalogue…">
        {(list) =>
          list.length === 0 ? (
            <Empty>No products are published yet.</Empty>
          ) : (
            <div className="stack">
              {list.map((p) => (
                <article key={p.id} className="card product">
                  <div className="card-head">
                    <h2>
                      <Link to={`/catalog/${p.slug}`}>{p.name}</Link>
                    </h2>
                    {p.status !== 'published' ? <Badge status={p.status} /> : null}
                  </div>
                  <p>{firstSentence(p.description)}</p>
                  <PlansTable plans={p.plans} caption={`Plans for ${p.name}`} />
                  <p className="links">
                    <Link to={`/catalog/${p.slug}`}>Overview</Link>
                    <Link to={`/catalog/${p.slug}/reference`}>API reference and try it</Link>
                  </p>
                </article>
              ))}
            </div>
          )
        }
      </QueryView>
    </Page>
  );
}

export function ProductPage() {
  const { slug = '' } = useParams();
  const product = useProduct(slug);
  const user = useUser();
  return (
    <QueryView q={product} label="Loading the product…">
      {(p) => (
        <Page
          title={p.name}
          lead={
            p.status === 'deprecated'
              ? `Deprecated${p.lifecycleNote ? `: ${p.lifecycleNote}` : ''}`
              : undefined
          }
          actions={
            <Link className="btn btn-primary" to={`/catalog/${p.slug}/reference`}>
              API reference and try it
            </Link>
          }
        >
          <Markdown text={p.description} />
          <h2>Plans</h2>
          <PlansTable plans={p.plans} caption={`Plans for ${p.name}`} />
          {user ? (
            <p>
              Subscribe from your app's page: <Link to="/dashboard">choose an app</Link>.
            </p>
          ) : (
            <Notice>
              To subscribe, <Link to="/sign-up">create an account</Link> or <Link to="/sign-in">sign in</Link>
              .
            </Notice>
          )}
          <h2>APIs</h2>
          {p.apis.length === 0 ? (
            <Empty>No API documents yet.</Empty>
          ) : (
            p.apis.map((a) => (
              <div key={a.id} className="card">
                <h3>
                  {a.name} <span className="muted">v{a.version}</span>
                </h3>
                <Table
                  caption={`Operations of ${a.name}`}
                  head={['Method', 'Path', 'Operation', 'Summary']}
                  hideCaption
                >
                  {a.operations.map((o) => (
                    <tr key={o.operationId}>
                      <td>
                        <span className={`method method-${o.method.toLowerCase()}`}>
                          {o.method.toUpperCase()}
                        </span>
                      </td>
                      <td className="mono">{o.path}</td>
                      <td className="mono">{o.operationId}</td>
                      <td>{o.summary ?? ''}</td>
                    </tr>
                  ))}
                </Table>
              </div>
            ))
          )}
          <h2>Terms for this product</h2>
          <p>
            Read the <Link to={`/terms/${p.slug}`}>terms that apply to {p.name}</Link>, including any
            additional terms that govern this product.
          </p>
        </Page>
      )}
    </QueryView>
  );
}

export function TermsPage() {
  const { slug } = useParams();
  const terms = useApplicableTerms(slug);
  return (
    <Page
      title={slug ? 'Terms for this product' : 'Terms of use'}
      lead={
        slug
          ? `Everything that applies to the product "${slug}".`
          : 'The terms in force for the portal and its APIs.'
      }
    >
      <QueryView q={terms} label="Loading the terms…">
        {(t) =>
          t.documents.length === 0 ? (
            <Empty>No terms are published yet.</Empty>
          ) : (
            <>
              <Notice>{t.precedence}</Notice>
              {t.documents.map((d) => (
                <article key={d.id} className="card terms-doc">
                  <div className="card-head">
                    <h2>{d.title}</h2>
                    <span className="muted">
                      {d.inForce
                        ? `Version ${d.inForce.version}, in force since ${day(d.inForce.effectiveAt)}`
                        : ''}
                    </span>
                  </div>
                  {d.pending.length ? (
                    <Notice tone="warn" title="Coming changes">
                      {d.pending.map((v) => (
                        <p key={v.id}>
                          Version {v.version} takes effect {when(v.effectiveAt)}: {v.summary}
                        </p>
                      ))}
                    </Notice>
                  ) : null}
                  {d.inForce ? (
                    <Markdown text={d.inForce.bodyMd} headingOffset={2} />
                  ) : (
                    <Empty>Not yet in force.</Empty>
                  )}
                </article>
              ))}
            </>
          )
        }
      </QueryView>
    </Page>
  );
}

export function GettingStartedPage() {
  const catalogs = useQuery({
    queryKey: catalogKeys.catalogs,
    queryFn: () => ok(api.GET('/api/v1/catalogs')),
    staleTime: 300_000,
  });
  const origin = typeof location === 'undefined' ? 'http://127.0.0.1:3000' : location.origin;
  const sandbox = catalogs.data?.items.find((c) => c.name === 'sandbox');
  // The gateway's own address (GATEWAY_PUBLIC_URL), which may not be this page's origin.
  const base = sandbox ? sandbox.baseUrl : `${origin}/darwaza/sandbox`;
  const pkt = new Date(Date.now() + 5 * 3_600_000).toISOString();
  const mmdd = pkt.slice(5, 7) + pkt.slice(8, 10);
  const hhmmss = pkt.slice(11, 13) + pkt.slice(14, 16) + pkt.slice(17, 19);
  const sample = JSON.stringify(
    {
      TransactionAmount: '000000100000',
      TransmissionDateAndTime: mmdd + hhmmss,
      STAN: '123456',
      Time: hhmmss,
      Date: mmdd,
      MerchantType: '0003',
      FromBankIMD: 'IMD of your bank (test data)',
      RRN: '123456789012',
      PaymentDetail: '0251 Family & Friends',
      CurrencyCodeTransaction: '586',
      AccountNumberTo: 'an account or IBAN from your test data',
      ToBankIMD: "IMD of that account's bank",
      PAN: '0000000000000',
    },
    null,
    2,
  );
  const curlToken = `curl -s -X POST ${base}/oauth2/token \\
  -u "$CLIENT_ID:$CLIENT_SECRET" \\
  -d grant_type=client_credentials -d scope=1LinkApi`;
  const curlCall = `curl -s -X POST ${base}/path-1 \\
  -H "Authorization: Bearer $TOKEN" \\
  -H "X-IBM-Client-Id: $CLIENT_ID" \\
  -H "Content-Type: application/json" \\
  -d @title-fetch.json`;
  const node = `// Node 18+ (global fetch). Set CLIENT_ID and CLIENT_SECRET from your app's page.
const base = '${base}';
const basic = Buffer.from(\`\${process.env.CLIENT_ID}:\${process.env.CLIENT_SECRET}\`).toString('base64');

const tokenRes = await fetch(\`\${base}/oauth2/token\`, {
  method: 'POST',
  headers: { authorization: \`Basic \${basic}\`, 'content-type': 'application/x-www-form-urlencoded' },
  body: 'grant_type=client_credentials&scope=1LinkApi',
});
const { access_token } = await tokenRes.json();

const body = JSON.parse(await (await import('node:fs/promises')).readFile('title-fetch.json', 'utf8'));
const res = await fetch(\`\${base}/path-1\`, {
  method: 'POST',
  headers: {
    authorization: \`Bearer \${access_token}\`,
    'x-ibm-client-id': process.env.CLIENT_ID,
    'content-type': 'application/json',
  },
  body: JSON.stringify(body),
});
const answer = await res.json();
console.log(answer.ResponseCode, answer.ResponseDetail, answer.AccountTitleTo);`;
  return (
    <Page
      title="Getting started"
      lead="From a new account to your first IBFT title fetch in the sandbox, in five steps."
    >
      <ol className="guide">
        <li>
          <h2>Create an account and activate it</h2>
          <p>
            <Link to="/sign-up">Sign up</Link> with your work e-mail, date of birth and the countries you live
            in and will use the APIs from. Open the activation link we e-mail you. An operator then reviews
            your account; you can sign in meanwhile to see its status.
          </p>
        </li>
        <li>
          <h2>Secure your sign-in and create your organisation</h2>
          <p>
            Set up an authenticator app under <Link to="/account/security">Security</Link>. Then create your
            organisation: you confirm that you may bind it to the terms, and choose the network participant
            (your sponsoring bank) that confirms you as its representative.
          </p>
        </li>
        <li>
          <h2>Register an app and subscribe it to a plan</h2>
          <p>
            In your organisation, register an app. Its client ID and client secret are shown once — store the
            secret in your secrets manager. Subscribe the app to the IBFT product's plan from the app's page.
          </p>
        </li>
        <li>
          <h2>Get an access token</h2>
          <p>Exchange the client credentials for a bearer token (valid for an hour):</p>
          <CodeBlock label="curl: token" code={curlToken} />
        </li>
        <li>
          <h2>Fetch an account title</h2>
          <p>
            Send an IBFT title fetch. Take a beneficiary account from your organisation's{' '}
            <Link to="/dashboard">sandbox test data</Link>, and write the request body (all fields are strings
            in the network's formats) to <code>title-fetch.json</code> — the API reference's try-it console
            fills in a complete example. A <code>ResponseCode</code> of <code>00</code> means the title was
            found.
          </p>
          <CodeBlock
            label="title-fetch.json (replace the three descriptions with test values)"
            code={sample}
          />
          <CodeBlock label="curl: title fetch" code={curlCall} />
          <CodeBlock label="Node.js: token and title fetch" code={node} />
        </li>
      </ol>
      <Notice title="Sandbox only">
        The sandbox holds simulated data. Requests that carry identifiers that look real (a live IBAN, CNIC or
        card number outside the simulated ranges) are refused and flagged.
      </Notice>
    </Page>
  );
}
