import { useQuery, useQueryClient } from '@tanstack/react-query';
import { toDataURL } from 'qrcode';
import { useEffect, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import { api, ok } from '../../api.ts';
import {
  ActionButton,
  Badge,
  CopyButton,
  Empty,
  Field,
  Form,
  Loading,
  Notice,
  Page,
  QueryView,
  Table,
  when,
} from '../../components.tsx';
import { sessionKey, useUser } from '../../session.tsx';
import { s } from './field-text.ts';
import { accountKeys } from './queries.ts';

/** Sessions, TOTP enrolment, password change and MFA management. */

export function SecurityPage() {
  const user = useUser();
  const [params] = useSearchParams();
  const qc = useQueryClient();
  const sessions = useQuery({
    queryKey: accountKeys.sessions,
    queryFn: async () => (await ok(api.GET('/api/v1/me/sessions'))).items,
  });
  if (!user) return <Loading />;
  return (
    <Page title="Security" lead="Your second factor and where you are signed in.">
      {params.get('setup') && !user.mfaEnabled ? (
        <Notice tone="warn" title="Protect your account">
          Set up an authenticator app now. Operators must use one, and it protects your apps' credentials.
        </Notice>
      ) : null}
      <div className="card">
        <h2>Authenticator app (TOTP)</h2>
        {user.mfaEnabled ? (
          <>
            <p>
              <Badge status="active" /> An authenticator app is set up. Sign-in asks for its code.
            </p>
            <MfaManagement
              isOperator={user.isOperator}
              onChange={() => qc.invalidateQueries({ queryKey: sessionKey })}
            />
          </>
        ) : (
          <TotpEnrolment onDone={() => qc.invalidateQueries({ queryKey: sessionKey })} />
        )}
      </div>
      <div className="card">
        <h2>Password</h2>
        <ChangePassword onDone={() => sessions.refetch()} />
      </div>
      <div className="card">
        <h2>Sessions</h2>
        <QueryView q={sessions} label="Loading sessions…">
          {(rows) =>
            rows.length === 0 ? (
              <Empty>No active sessions.</Empty>
            ) : (
              <Table
                caption="Your active sessions"
                head={['Signed in', 'Last seen', 'From', 'Second factor', '']}
              >
                {rows.map((r) => (
                  <tr key={r.id}>
                    <td>
                      {when(r.createdAt)}
                      {r.current ? (
                        <>
                          {' '}
                          <span className="badge badge-ok">this browser</span>
                        </>
                      ) : null}
                    </td>
                    <td>{when(r.lastSeenAt)}</td>
                    <td>
                      <span className="mono">{r.ip ?? '—'}</span>
                      <div className="muted small ua">{r.userAgent ?? ''}</div>
                    </td>
                    <td>{r.mfa ? 'yes' : 'no'}</td>
                    <td>
                      {r.current ? null : (
                        <ActionButton
                          variant="danger"
                          label={`Revoke the session signed in ${when(r.createdAt)}`}
                          onClick={async () => {
                            await ok(
                              api.DELETE('/api/v1/me/sessions/{sessionId}', {
                                params: { path: { sessionId: r.id } },
                              }),
                            );
                            await sessions.refetch();
                          }}
                        >
                          Revoke
                        </ActionButton>
                      )}
                    </td>
                  </tr>
                ))}
              </Table>
            )
          }
        </QueryView>
      </div>
    </Page>
  );
}

function TotpEnrolment(props: { onDone: () => void }) {
  const [enrol, setEnrol] = useState<{ secret: string; otpauthUrl: string; qr: string } | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const codesRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (codes) codesRef.current?.focus();
  }, [codes]);
  if (codes) {
    return (
      <div>
        <h3 ref={codesRef} tabIndex={-1}>
          Save your recovery codes
        </h3>
        <Notice tone="warn">
          These codes are shown once. Each works once, in place of an authenticator code, if you lose your
          phone. Store them somewhere safe.
        </Notice>
        <ul className="recovery-codes" aria-label="Recovery codes">
          {codes.map((c) => (
            <li key={c} className="mono">
              {c}
            </li>
          ))}
        </ul>
        <CopyButton value={codes.join('\n')} label="Copy all codes" />{' '}
        <button type="button" className="btn btn-primary" onClick={props.onDone}>
          I have saved them
        </button>
      </div>
    );
  }
  if (!enrol) {
    return (
      <div>
        <p>Use an app such as Google Authenticator, Microsoft Authenticator or 1Password.</p>
        <ActionButton
          variant="primary"
          onClick={async () => {
            const r = await ok(api.POST('/api/v1/me/mfa/totp'));
            const qr = await toDataURL(r.otpauthUrl, { margin: 1, width: 200, errorCorrectionLevel: 'M' });
            setEnrol({ ...r, qr });
          }}
        >
          Set up authenticator app
        </ActionButton>
      </div>
    );
  }
  return (
    <div className="totp">
      <ol className="steps">
        <li>
          Scan this code with your authenticator app.
          <div className="qr">
            <img src={enrol.qr} width={200} height={200} alt="QR code for your authenticator app" />
          </div>
        </li>
        <li>
          Cannot scan? Enter this key by hand:{' '}
          <code className="mono secret" data-testid="totp-secret">
            {enrol.secret}
          </code>{' '}
          <CopyButton value={enrol.secret} label="Copy key" />
        </li>
        <li>
          Enter the 6-digit code the app shows.
          <Form
            submitLabel="Confirm"
            busyLabel="Checking…"
            codeFields={{ invalid_mfa_code: 'code' }}
            onSubmit={async (v) => {
              const r = await ok(
                api.POST('/api/v1/me/mfa/totp/confirm', { body: { code: s(v.code).replace(/\s/g, '') } }),
              );
              setCodes(r.recoveryCodes);
            }}
          >
            <Field
              name="code"
              label="Code from the app"
              required
              inputMode="numeric"
              autoComplete="one-time-code"
              maxLength={6}
            />
          </Form>
        </li>
      </ol>
    </div>
  );
}

function ChangePassword(props: { onDone: () => void }) {
  const [done, setDone] = useState<number | null>(null);
  return (
    <>
      {done !== null ? (
        <Notice tone="ok">
          <span role="status">
            Password changed. {done === 1 ? 'One other session was' : `${done} other sessions were`} ended.
          </span>
        </Notice>
      ) : null}
      <details className="disclosure">
        <summary>Change your password</summary>
        <Form
          submitLabel="Change password"
          codeFields={{
            invalid_credentials: 'currentPassword',
            password_too_short: 'newPassword',
            password_too_long: 'newPassword',
            password_too_common: 'newPassword',
          }}
          onSubmit={async (v, form) => {
            const r = await ok(
              api.POST('/api/v1/me/password', {
                body: {
                  currentPassword: String(v.currentPassword ?? ''),
                  newPassword: String(v.newPassword ?? ''),
                },
              }),
            );
            form.reset();
            setDone(r.sessionsEnded);
            props.onDone();
          }}
        >
          <Field
            name="currentPassword"
            label="Current password"
            type="password"
            required
            autoComplete="current-password"
          />
          <Field
            name="newPassword"
            label="New password"
            type="password"
            required
            autoComplete="new-password"
            hint="At least 12 characters. Your other sessions end when you change it."
          />
        </Form>
      </details>
    </>
  );
}

function MfaManagement(props: { isOperator: boolean; onChange: () => void }) {
  const [codes, setCodes] = useState<string[] | null>(null);
  return (
    <div className="stack">
      {codes ? (
        <div>
          <Notice tone="warn" title="Your new recovery codes">
            Shown once. The old codes no longer work.
          </Notice>
          <ul className="recovery-codes" aria-label="Recovery codes">
            {codes.map((c) => (
              <li key={c} className="mono">
                {c}
              </li>
            ))}
          </ul>
          <CopyButton value={codes.join('\n')} label="Copy all codes" />
        </div>
      ) : null}
      <details className="disclosure">
        <summary>New recovery codes</summary>
        <Form
          submitLabel="Replace recovery codes"
          codeFields={{ invalid_mfa_code: 'code' }}
          onSubmit={async (v, form) => {
            const r = await ok(
              api.POST('/api/v1/me/mfa/recovery-codes', { body: { code: s(v.code).replace(/\s/g, '') } }),
            );
            form.reset();
            setCodes(r.recoveryCodes);
          }}
        >
          <Field
            name="code"
            label="Code from your authenticator app"
            required
            inputMode="numeric"
            autoComplete="one-time-code"
          />
        </Form>
      </details>
      {props.isOperator ? (
        <p className="muted small">Operators must keep an authenticator app.</p>
      ) : (
        <details className="disclosure">
          <summary>Turn the authenticator app off</summary>
          <Form
            danger
            submitLabel="Turn off"
            codeFields={{ invalid_credentials: 'password', invalid_mfa_code: 'code' }}
            onSubmit={async (v) => {
              await ok(
                api.POST('/api/v1/me/mfa/totp/disable', {
                  body: { password: String(v.password ?? ''), code: s(v.code).replace(/\s/g, '') },
                }),
              );
              props.onChange();
            }}
          >
            <Field
              name="password"
              label="Password"
              type="password"
              required
              autoComplete="current-password"
            />
            <Field
              name="code"
              label="Current code"
              required
              inputMode="numeric"
              autoComplete="one-time-code"
            />
          </Form>
        </details>
      )}
    </div>
  );
}
