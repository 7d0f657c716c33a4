import { useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { ApiError, api, ok } from '../../api.ts';
import { Badge, Dl, Field, Form, Loading, Notice, Page, when } from '../../components.tsx';
import { sessionKey, useUser } from '../../session.tsx';
import { opt, s } from './field-text.ts';

/** Signing in (password, then TOTP or a recovery code), password resets and the account's status page. */

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
