import { useQuery } from '@tanstack/react-query';
import { Fragment, type ReactNode, useEffect, useState } from 'react';
import { Link, useLocation } from 'react-router';
import { api, ok } from '../../api.ts';
import { Notice, Page, QueryView } from '../../components.tsx';
import { docsKeys } from './queries.ts';

/**
 * The error-code reference at /docs/errors: every code the portal API, the OAuth token endpoint and
 * the gateway answer with, read from GET /api/v1/errors (listErrorCodes, generated from the server's
 * registry). Each entry's id is its code, so the `docs` link of an error body
 * (`…/docs/errors#<code>`), OAuth's `error_uri` and a problem document's `type` land on it.
 */

/** `code` spans in a sentence (the registry writes field and header names between backticks). */
function inline(text: string): ReactNode {
  return text.split(/(`[^`]+`)/g).map((part, i) =>
    part.startsWith('`') && part.endsWith('`') && part.length > 2 ? (
      // biome-ignore lint/suspicious/noArrayIndexKey: the split text has no other identity
      <code key={i}>{part.slice(1, -1)}</code>
    ) : (
      // biome-ignore lint/suspicious/noArrayIndexKey: the split text has no other identity
      <Fragment key={i}>{part}</Fragment>
    ),
  );
}

function areaId(area: string): string {
  return `area-${area.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
}

export function ErrorCodesPage() {
  const q = useQuery({
    queryKey: docsKeys.errorCodes,
    queryFn: async () => (await ok(api.GET('/api/v1/errors'))).items,
    staleTime: Number.POSITIVE_INFINITY,
  });
  const { hash } = useLocation();
  const target = decodeURIComponent(hash.slice(1));
  const [unknown, setUnknown] = useState<string | null>(null);
  // The entries arrive after the page: once they are there, bring the linked one into view and
  // give it focus, as the browser would have done for a page that was there from the start. A
  // link to a code that is not listed says so instead of leaving the reader at the top.
  useEffect(() => {
    if (!q.data || !target) {
      setUnknown(null);
      return;
    }
    const el = document.getElementById(target);
    setUnknown(el ? null : target);
    if (!el) return;
    el.scrollIntoView({ block: 'start' });
    el.focus({ preventScroll: true });
  }, [q.data, target]);
  return (
    <Page
      title="Error codes"
      lead="Every code the portal API, the OAuth token endpoint and the gateway answer with: its HTTP status, what it means and what to do next."
    >
      <p>
        Error bodies name their code and link to its entry here: <code>error.docs</code> in the portal API and
        the gateway, <code>error_uri</code> (with <code>darwaza_code</code>) at the OAuth token endpoint, and{' '}
        <code>type</code> in the gateway’s problem documents. Codes never change meaning; new ones are added.
        Quote the request id (<code>x-request-id</code>) when you ask for help.
      </p>
      <QueryView q={q} label="Loading error codes…">
        {(list) => {
          const areas = [...new Set(list.map((e) => e.area))];
          return (
            <>
              {unknown ? (
                <Notice tone="warn">
                  <p role="alert">
                    No error code “{unknown}” is listed. <Link to="/docs/errors">See every code</Link>.
                  </p>
                </Notice>
              ) : null}
              <nav aria-label="Error code areas" className="card">
                <ul className="inline-list">
                  {areas.map((a) => (
                    <li key={a}>
                      <a href={`#${areaId(a)}`}>{a}</a>
                    </li>
                  ))}
                </ul>
              </nav>
              {areas.map((a) => (
                <section key={a} aria-labelledby={areaId(a)}>
                  <h2 id={areaId(a)} tabIndex={-1}>
                    {a}
                  </h2>
                  {list
                    .filter((e) => e.area === a)
                    .map((e) => (
                      <article
                        key={e.code}
                        id={e.code}
                        tabIndex={-1}
                        className={e.code === target ? 'card error-code targeted' : 'card error-code'}
                        aria-labelledby={`${e.code}-title`}
                      >
                        <h3 id={`${e.code}-title`} className="h3">
                          <code>{e.code}</code> <span className="muted small">HTTP {e.status}</span>
                        </h3>
                        <dl className="dl">
                          <div>
                            <dt>Meaning</dt>
                            <dd>{inline(e.meaning)}</dd>
                          </div>
                          <div>
                            <dt>What to do</dt>
                            <dd>{inline(e.action)}</dd>
                          </div>
                        </dl>
                      </article>
                    ))}
                </section>
              ))}
            </>
          );
        }}
      </QueryView>
    </Page>
  );
}
