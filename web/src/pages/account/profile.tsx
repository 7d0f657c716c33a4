import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, ok } from '../../api.ts';
import { ActionButton, Badge, Dl, Field, Form, Loading, Notice, Page, when } from '../../components.tsx';
import { COUNTRY_OPTIONS, countryName } from '../../countries.ts';
import { sessionKey, useSession } from '../../session.tsx';
import { opt, s } from './field-text.ts';

/** The signed-in person's profile: confirming it and changing it. */

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
