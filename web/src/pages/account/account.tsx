import { useQuery, useQueryClient } from '@tanstack/react-query';
import { toDataURL } from 'qrcode';
import { type ReactNode, useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import type { Mail, Notification, SessionRow } from '../../api/views.ts';
import { ApiError, api, ok } from '../../api.ts';
import {
  ActionButton,
  Badge,
  CopyButton,
  Dl,
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
import { COUNTRY_OPTIONS, countryName } from '../../countries.ts';
import { sessionKey, useSession, useUser } from '../../session.tsx';
import { useCurrentTerms } from '../public/queries.ts';
import { accountKeys } from './queries.ts';

const SIGNUP_CODES = {
  ineligible_underage: 'dateOfBirth',
  ineligible_country: 'countryOfResidence',
  terms_not_accepted: 'acceptTerms',
  password_too_short: 'password',
  password_too_long: 'password',
  password_too_common: 'password',
};

function s(v: unknown): string {
  return typeof v === 'string' ? v.trim() : '';
}

function opt(v: unknown): string | undefined {
  const t = s(v);
  return t ? t : undefined;
}

export function SignUpPage() {
  const [done, setDone] = useState<string | null>(null);
  const terms = useCurrentTerms();
  if (done) {
    return (
      <Page title="Check your e-mail" lead={`We sent an activation link to ${done}.`}>
        <p>
          Open the link within 48 hours to activate your account. After activation an operator reviews it.
        </p>
        <p>
          Running the portal locally? Open the <Link to="/dev/mail">development mailbox</Link> to find the
          link.
        </p>
      </Page>
    );
  }
  return (
    <Page
      title="Create your developer account"
      lead="Accounts are for people building on the network's APIs. An operator reviews every account."
    >
      <div className="with-aside">
        <div className="narrow card">
          <Form
            submitLabel="Create account"
            busyLabel="Creating account…"
            codeFields={SIGNUP_CODES}
            onSubmit={async (v) => {
              const email = s(v.email);
              await ok(
                api.POST('/api/v1/accounts', {
                  body: {
                    name: s(v.name),
                    email,
                    password: String(v.password ?? ''),
                    dateOfBirth: s(v.dateOfBirth),
                    countryOfResidence: s(v.countryOfResidence),
                    countryOfUse: s(v.countryOfUse),
                    acceptTerms: v.acceptTerms === true,
                    termsVersion: terms.data?.versionId ?? undefined,
                    phone: opt(v.phone),
                    jobTitle: opt(v.jobTitle),
                  },
                }),
              );
              setDone(email);
            }}
          >
            <fieldset>
              <legend>About you</legend>
              <Field name="name" label="Full name" required autoComplete="name" />
              <Field name="email" label="Work e-mail" type="email" required autoComplete="email" />
              <Field
                name="password"
                label="Password"
                type="password"
                required
                autoComplete="new-password"
                hint="At least 12 characters. Common passwords are refused."
              />
              <Field name="jobTitle" label="Job title" autoComplete="organization-title" />
              <Field name="phone" label="Phone" type="tel" autoComplete="tel" />
            </fieldset>
            <fieldset>
              <legend>Eligibility</legend>
              <p className="hint">
                You must be 18 or older, and neither live in nor use the APIs from a country on the operator's
                barred list.
              </p>
              <Field name="dateOfBirth" label="Date of birth" type="date" required autoComplete="bday" />
              <Field
                name="countryOfResidence"
                label="Country of residence"
                options={COUNTRY_OPTIONS}
                required
                defaultValue="PK"
              />
              <Field
                name="countryOfUse"
                label="Country from which you will use the APIs"
                options={COUNTRY_OPTIONS}
                required
                defaultValue="PK"
              />
            </fieldset>
            <Field
              name="acceptTerms"
              type="checkbox"
              required
              label="I have read and accept the terms of use"
              hint={
                <>
                  Read the <Link to="/terms">current terms of use</Link>
                  {terms.data?.version ? ` (version ${terms.data.version})` : ''}.
                </>
              }
            />
          </Form>
          <p className="muted">
            Already have an account? <Link to="/sign-in">Sign in</Link>.
          </p>
        </div>
        <aside className="card aside" aria-labelledby="next-h">
          <h2 id="next-h" className="h3">
            What happens next
          </h2>
          <ol className="steps">
            <li>We e-mail you an activation link (valid for 48 hours).</li>
            <li>An operator reviews your account; names are checked against a screening list.</li>
            <li>You set up an authenticator app and create or join your organisation.</li>
            <li>Your organisation's participant bank confirms you as its representative.</li>
            <li>You register apps and call the sandbox straight away.</li>
          </ol>
          <p className="muted small">
            The sandbox holds simulated data only. Never send real account numbers, CNICs or card numbers.
          </p>
        </aside>
      </div>
    </Page>
  );
}

export function ActivatePage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const [state, setState] = useState<{ status: 'idle' | 'busy' | 'done' | 'error'; message?: string }>({
    status: 'idle',
  });
  const started = useRef(false);
  useEffect(() => {
    if (!token || started.current) return;
    started.current = true;
    setState({ status: 'busy' });
    ok(api.POST('/api/v1/accounts/activate', { body: { token } }))
      .then((r) => setState({ status: 'done', message: r.status }))
      .catch((err) => setState({ status: 'error', message: (err as Error).message }));
  }, [token]);
  if (!token) {
    return (
      <Page title="Activate your account" lead="Open the link from your activation e-mail.">
        <ResendActivation />
      </Page>
    );
  }
  if (state.status === 'busy' || state.status === 'idle') return <Loading label="Activating your account…" />;
  if (state.status === 'error') {
    return (
      <Page title="This link did not work" lead={state.message}>
        <ResendActivation />
      </Page>
    );
  }
  return (
    <Page title="Account activated" lead="Your e-mail address is confirmed.">
      {state.message === 'active' ? (
        <Notice tone="ok">Your account is approved. You can sign in now.</Notice>
      ) : (
        <Notice tone="info" title="Waiting for approval">
          An operator reviews new accounts. You can sign in to see your account's status; we e-mail you when
          it is decided.
        </Notice>
      )}
      <p>
        <Link className="btn btn-primary" to="/sign-in">
          Sign in
        </Link>
      </p>
    </Page>
  );
}

function ResendActivation() {
  const [sent, setSent] = useState(false);
  if (sent)
    return (
      <Notice tone="ok">
        If that address has an account waiting for activation, a new link is on its way.
      </Notice>
    );
  return (
    <div className="narrow card">
      <h2>Send the link again</h2>
      <Form
        submitLabel="Send activation link"
        onSubmit={async (v) => {
          await ok(api.POST('/api/v1/accounts/activation-emails', { body: { email: s(v.email) } }));
          setSent(true);
        }}
      >
        <Field name="email" label="E-mail" type="email" required autoComplete="email" />
      </Form>
    </div>
  );
}

export function SignInPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [needCode, setNeedCode] = useState(false);
  const [creds, setCreds] = useState<{ email: string; password: string } | null>(null);
  const next = params.get('next');

  async function finish(r: { user: { status: string; mfaEnabled: boolean; isOperator: boolean } }) {
    await qc.invalidateQueries();
    await qc.refetchQueries({ queryKey: sessionKey });
    if (r.user.status !== 'active') navigate('/account/status');
    else if (next?.startsWith('/') && !next.startsWith('//')) navigate(next);
    else if (!r.user.mfaEnabled) navigate('/account/security?setup=1');
    else navigate(r.user.isOperator ? '/operator' : '/dashboard');
  }

  return (
    <Page title={needCode ? 'Enter your authentication code' : 'Sign in'}>
      <div className="narrow card">
        {needCode && creds ? (
          <Form
            key="code"
            submitLabel="Verify and sign in"
            busyLabel="Verifying…"
            codeFields={{ invalid_mfa_code: 'code' }}
            onSubmit={async (v) => {
              const r = await ok(
                api.POST('/api/v1/sessions', { body: { ...creds, code: s(v.code).replace(/\s/g, '') } }),
              );
              await finish(r);
            }}
            secondary={
              <button
                type="button"
                className="btn btn-link"
                onClick={() => {
                  setNeedCode(false);
                  setCreds(null);
                }}
              >
                Use another account
              </button>
            }
          >
            <Field
              name="code"
              label="Authentication code"
              required
              autoFocus
              autoComplete="one-time-code"
              inputMode="numeric"
              hint="The 6-digit code from your authenticator app, or one of your recovery codes."
            />
          </Form>
        ) : (
          <Form
            key="password"
            submitLabel="Sign in"
            busyLabel="Signing in…"
            codeFields={{ invalid_credentials: 'password', account_not_activated: 'email' }}
            onSubmit={async (v) => {
              const body = { email: s(v.email), password: String(v.password ?? '') };
              try {
                const r = await ok(api.POST('/api/v1/sessions', { body }));
                await finish(r);
              } catch (err) {
                if (err instanceof ApiError && err.code === 'mfa_required') {
                  setCreds(body);
                  setNeedCode(true);
                  return;
                }
                throw err;
              }
            }}
          >
            <Field name="email" label="E-mail" type="email" required autoComplete="username" />
            <Field
              name="password"
              label="Password"
              type="password"
              required
              autoComplete="current-password"
            />
          </Form>
        )}
        <p className="muted">
          <Link to="/forgot-password">Forgot your password?</Link> · New here?{' '}
          <Link to="/sign-up">Create an account</Link>
        </p>
      </div>
    </Page>
  );
}

export function ForgotPasswordPage() {
  const [sent, setSent] = useState(false);
  return (
    <Page title="Reset your password" lead="We e-mail you a link that works once, for one hour.">
      <div className="narrow card">
        {sent ? (
          <Notice tone="ok">If that address has an account, a reset link is on its way.</Notice>
        ) : (
          <Form
            submitLabel="Send reset link"
            onSubmit={async (v) => {
              await ok(api.POST('/api/v1/password-resets', { body: { email: s(v.email) } }));
              setSent(true);
            }}
          >
            <Field name="email" label="E-mail" type="email" required autoComplete="email" />
          </Form>
        )}
      </div>
    </Page>
  );
}

export function ResetPasswordPage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const [done, setDone] = useState(false);
  if (done) {
    return (
      <Page title="Password changed" lead="Every session of your account was ended.">
        <Link className="btn btn-primary" to="/sign-in">
          Sign in
        </Link>
      </Page>
    );
  }
  return (
    <Page title="Choose a new password">
      <div className="narrow card">
        {!token ? <Notice tone="warn">Open the link from your password reset e-mail.</Notice> : null}
        <Form
          submitLabel="Change password"
          codeFields={{
            password_too_short: 'password',
            password_too_common: 'password',
            password_too_long: 'password',
            mfa_required: 'code',
            invalid_mfa_code: 'code',
          }}
          onSubmit={async (v) => {
            await ok(
              api.POST('/api/v1/password-resets/complete', {
                body: { token, password: String(v.password ?? ''), code: opt(v.code) },
              }),
            );
            setDone(true);
          }}
        >
          <Field
            name="password"
            label="New password"
            type="password"
            required
            autoComplete="new-password"
            hint="At least 12 characters."
          />
          <Field
            name="code"
            label="Authentication code (if you use an authenticator app)"
            autoComplete="one-time-code"
            inputMode="numeric"
          />
        </Form>
      </div>
    </Page>
  );
}

export function StatusPage() {
  const user = useUser();
  if (!user) return <Loading />;
  const rows: Array<[string, ReactNode]> = [
    ['Account', `${user.name} <${user.email}>`],
    ['Status', <Badge key="s" status={user.status} />],
    ['Opened', when(user.createdAt)],
  ];
  return (
    <Page title="Account status">
      {user.status === 'active' ? (
        <Notice tone="ok" title="Your account is active">
          <Link to="/dashboard">Go to your dashboard</Link>.
        </Notice>
      ) : user.status === 'rejected' ? (
        <Notice tone="bad" title="Your account was not approved">
          <p>Reason given by the operator: {user.rejectionReason ?? 'none given'}.</p>
          <p>If you think this is a mistake, contact the network's API team quoting your e-mail address.</p>
        </Notice>
      ) : (
        <Notice tone="warn" title="Waiting for approval">
          An operator reviews every new account, and may check your details against the screening list. We
          e-mail you when a decision is made. Meanwhile you can set up your authenticator app.
        </Notice>
      )}
      <Dl rows={rows} />
      <p>
        <Link to="/account/security">Security settings</Link>
      </p>
    </Page>
  );
}

export function ProfilePage() {
  const session = useSession();
  const qc = useQueryClient();
  const user = session.data?.user;
  const [saved, setSaved] = useState<string | null>(null);
  if (!user) return <Loading />;
  return (
    <Page
      title="Your profile"
      lead="Keep your details accurate: the terms require it, and you re-confirm them periodically."
      actions={
        <Link className="btn btn-secondary" to="/account/security">
          Security and sessions
        </Link>
      }
    >
      {user.profileConfirmationDue ? (
        <Notice tone="warn" title="Please confirm your details">
          It is time to check that your details are still accurate. Until you confirm them you cannot create
          apps.
          <div className="mt">
            <ActionButton
              variant="primary"
              onClick={async () => {
                await ok(api.POST('/api/v1/me/confirm-details'));
                await qc.invalidateQueries({ queryKey: sessionKey });
                setSaved('Thank you — your details are confirmed.');
              }}
            >
              My details are accurate
            </ActionButton>
          </div>
        </Notice>
      ) : null}
      {saved ? (
        <Notice tone="ok">
          <span role="status">{saved}</span>
        </Notice>
      ) : null}
      <div className="grid-2">
        <div className="card">
          <h2>Details</h2>
          <Form
            submitLabel="Save and confirm details"
            codeFields={{ ineligible_country: 'countryOfResidence' }}
            onSubmit={async (v) => {
              await ok(
                api.PATCH('/api/v1/me', {
                  body: {
                    name: s(v.name),
                    phone: opt(v.phone) ?? null,
                    jobTitle: opt(v.jobTitle) ?? null,
                    countryOfResidence: s(v.countryOfResidence),
                    countryOfUse: s(v.countryOfUse),
                  },
                }),
              );
              await qc.invalidateQueries({ queryKey: sessionKey });
              setSaved('Your details are saved and confirmed.');
            }}
          >
            <Field name="name" label="Full name" required defaultValue={user.name} autoComplete="name" />
            <Field name="jobTitle" label="Job title" defaultValue={user.jobTitle ?? ''} />
            <Field name="phone" label="Phone" type="tel" defaultValue={user.phone ?? ''} autoComplete="tel" />
            <Field
              name="countryOfResidence"
              label="Country of residence"
              options={COUNTRY_OPTIONS}
              defaultValue={user.countryOfResidence ?? ''}
            />
            <Field
              name="countryOfUse"
              label="Country of use"
              options={COUNTRY_OPTIONS}
              defaultValue={user.countryOfUse ?? ''}
            />
          </Form>
        </div>
        <div className="card">
          <h2>Account</h2>
          <Dl
            rows={[
              ['E-mail', user.email],
              ['Status', <Badge key="s" status={user.status} />],
              ['Date of birth', user.dateOfBirth],
              ['Residence', countryName(user.countryOfResidence)],
              ['Use from', countryName(user.countryOfUse)],
              ['Details last confirmed', when(user.profileConfirmedAt)],
              ['Authenticator app', user.mfaEnabled ? 'Set up' : 'Not set up'],
              ['Role', user.isOperator ? 'Operator' : 'Developer'],
            ]}
          />
        </div>
      </div>
    </Page>
  );
}

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

export function useNotifications(enabled: boolean) {
  return useQuery({
    queryKey: accountKeys.notifications,
    queryFn: async () => (await ok(api.GET('/api/v1/me/notifications'))).items,
    enabled,
    refetchInterval: 30_000,
  });
}

export function NotificationsPage() {
  const q = useNotifications(true);
  return (
    <Page title="Notifications" lead="Decisions, terms changes and notices about your organisations.">
      <QueryView q={q} label="Loading notifications…">
        {(list) =>
          list.length === 0 ? (
            <Empty>Nothing yet.</Empty>
          ) : (
            <ul className="plain-list card">
              {list.map((n) => (
                <li key={n.id} className={n.readAt ? 'notification' : 'notification unread'}>
                  <div className="card-head">
                    <h2 className="h3">
                      {n.readAt ? null : <span className="visually-hidden">Unread: </span>}
                      {n.title}
                    </h2>
                    <span className="muted small">{when(n.createdAt)}</span>
                  </div>
                  <p>{n.body}</p>
                  <p className="links">
                    {n.link ? <Link to={n.link.replace(/^https?:\/\/[^/]+/, '')}>Open</Link> : null}
                    {n.readAt ? null : (
                      <ActionButton
                        variant="link"
                        label={`Mark "${n.title}" as read`}
                        onClick={async () => {
                          await ok(
                            api.POST('/api/v1/me/notifications/{notificationId}/read', {
                              params: { path: { notificationId: n.id } },
                            }),
                          );
                          await q.refetch();
                        }}
                      >
                        Mark as read
                      </ActionButton>
                    )}
                  </p>
                </li>
              ))}
            </ul>
          )
        }
      </QueryView>
    </Page>
  );
}
