import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, ok } from '../../api.ts';
import { Empty, Notice, Page, QueryView, when } from '../../components.tsx';
import { accountKeys } from './queries.ts';

/** The development mailbox (loopback only): every e-mail the portal sent. */

/** Links in mail point at PUBLIC_URL; inside the portal they open as in-app routes. */
function MailText(props: { text: string }) {
  const parts = props.text.split(/(https?:\/\/[^\s]+)/g);
  return (
    <pre className="mail-text">
      {parts.map((p, i) => {
        if (!/^https?:\/\//.test(p)) return p;
        let href = p;
        try {
          const u = new URL(p);
          href = u.pathname + u.search;
        } catch {}
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: the split text has no other identity
          <Link key={i} to={href}>
            {p}
          </Link>
        );
      })}
    </pre>
  );
}

export function DevMailPage() {
  const [to, setTo] = useState('');
  const mail = useQuery({
    queryKey: accountKeys.devMail(to),
    queryFn: async () => {
      const r = await ok(
        api.GET('/api/v1/dev/mail', { params: { query: { to: to || undefined, limit: 50 } } }),
      );
      return { rows: r.items, exposure: r.exposure ?? null };
    },
    refetchInterval: 3000,
  });
  // The server says when DEV_MAILBOX_UNSAFE_PUBLIC exposes this page beyond this machine.
  const exposure = mail.data?.exposure ?? null;
  return (
    <Page
      title="Development mailbox"
      lead="Every e-mail the portal sent, newest first, reset and invitation links included. For local development only: it answers only on this machine's loopback address, and never in production."
    >
      {exposure === 'unsafe-public' ? (
        <Notice tone="bad" title="Unsafe: this mailbox is open to anyone who can reach this server">
          DEV_MAILBOX_UNSAFE_PUBLIC=true is set. Anyone who can open this page can read every password-reset
          and invitation link in it and take over any account. Turn the setting off unless this server is
          reachable by you alone.
        </Notice>
      ) : null}
      <div className="toolbar">
        <label htmlFor="mail-to">Filter by recipient</label>
        <input
          id="mail-to"
          type="search"
          value={to}
          onChange={(e) => setTo(e.target.value)}
          placeholder="name@example.com"
        />
      </div>
      <QueryView q={mail} label="Loading mail…">
        {({ rows }) =>
          rows.length === 0 ? (
            <Empty>No mail yet. Sign up to get an activation e-mail.</Empty>
          ) : (
            <ul className="mail-list">
              {rows.map((m) => (
                <li key={m.id} className="card">
                  <h2 className="mail-subject">{m.subject}</h2>
                  <p className="muted small">
                    To {m.to} · {when(m.createdAt)} · {m.kind}
                  </p>
                  <MailText text={m.text} />
                </li>
              ))}
            </ul>
          )
        }
      </QueryView>
    </Page>
  );
}
