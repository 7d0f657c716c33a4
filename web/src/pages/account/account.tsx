import { useEffect, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, ok } from '../../api.ts';
import { Field, Form, Loading, Notice, Page } from '../../components.tsx';
import { COUNTRY_OPTIONS } from '../../countries.ts';
import { useCurrentTerms } from '../public/queries.ts';
import { opt, s } from './field-text.ts';

const SIGNUP_CODES = {
  ineligible_underage: 'dateOfBirth',
  ineligible_country: 'countryOfResidence',
  terms_not_accepted: 'acceptTerms',
  password_too_short: 'password',
  password_too_long: 'password',
  password_too_common: 'password',
};

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
