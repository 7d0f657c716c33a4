import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ok } from '../../api.ts';
import { ActionButton, Field, Form, Notice, QueryView } from '../../components.tsx';
import { countryName } from '../../countries.ts';
import { termsKeys } from '../terms/queries.ts';
import { operatorKeys } from './queries.ts';

/** Sign-up eligibility: barred countries, auto-approved e-mail domains, screening entries and re-confirmation settings. */

export function EligibilityAdmin() {
  const barred = useQuery({
    queryKey: operatorKeys.barred,
    queryFn: async () => (await ok(api.GET('/api/v1/admin/identity/barred-countries'))).items,
  });
  const rules = useQuery({
    queryKey: operatorKeys.autoApprove,
    queryFn: async () => (await ok(api.GET('/api/v1/admin/identity/auto-approve-rules'))).items,
  });
  const screening = useQuery({
    queryKey: operatorKeys.screening,
    queryFn: async () => (await ok(api.GET('/api/v1/admin/identity/screening-list'))).items,
  });
  const idSettings = useQuery({
    queryKey: operatorKeys.identitySettings,
    queryFn: () => ok(api.GET('/api/v1/admin/identity/settings')),
  });
  const termsSettings = useQuery({
    queryKey: termsKeys.settings,
    queryFn: () => ok(api.GET('/api/v1/admin/terms/settings')),
  });
  const [saved, setSaved] = useState<string | null>(null);
  return (
    <>
      {saved ? (
        <Notice tone="ok">
          <span role="status">{saved}</span>
        </Notice>
      ) : null}
      <div className="grid-2">
        <div className="card">
          <h2 className="h3">Barred countries</h2>
          <p className="muted small">
            Sign-ups living in, or using the APIs from, these countries are refused.
          </p>
          <QueryView q={barred} label="Loading…">
            {(list) => (
              <Form
                submitLabel="Save list"
                onSubmit={async (v) => {
                  const codes = String(v.codes ?? '')
                    .split(/[\s,;]+/)
                    .map((c) => c.trim().toUpperCase())
                    .filter(Boolean);
                  const notes = new Map(list.map((b) => [b.code, b.note]));
                  await ok(
                    api.PUT('/api/v1/admin/identity/barred-countries', {
                      body: { items: codes.map((code) => ({ code, note: notes.get(code) ?? null })) },
                    }),
                  );
                  await barred.refetch();
                  setSaved('The barred country list is saved.');
                }}
              >
                <Field
                  name="codes"
                  label="Country codes (ISO 3166-1 alpha-2)"
                  type="textarea"
                  rows={3}
                  defaultValue={list.map((b) => b.code).join(' ')}
                  hint={list
                    .map((b) => `${b.code} ${countryName(b.code)}${b.note ? ` (${b.note})` : ''}`)
                    .join('; ')}
                />
              </Form>
            )}
          </QueryView>
        </div>
        <div className="card">
          <h2 className="h3">Auto-approval by e-mail domain</h2>
          <QueryView q={rules} label="Loading…">
            {(list) =>
              list.length === 0 ? (
                <p className="muted small">No rules: every account waits for an operator.</p>
              ) : (
                <ul className="plain-list">
                  {list.map((r) => (
                    <li key={r.emailDomain}>
                      <span className="mono">{r.emailDomain}</span>{' '}
                      {r.note ? <span className="muted">— {r.note}</span> : null}{' '}
                      <ActionButton
                        variant="link"
                        label={`Remove the rule for ${r.emailDomain}`}
                        onClick={async () => {
                          await ok(
                            api.DELETE('/api/v1/admin/identity/auto-approve-rules/{emailDomain}', {
                              params: { path: { emailDomain: r.emailDomain } },
                            }),
                          );
                          await rules.refetch();
                        }}
                      >
                        Remove
                      </ActionButton>
                    </li>
                  ))}
                </ul>
              )
            }
          </QueryView>
          <Form
            submitLabel="Add rule"
            onSubmit={async (v, form) => {
              await ok(
                api.POST('/api/v1/admin/identity/auto-approve-rules', {
                  body: {
                    emailDomain: String(v.emailDomain ?? '').trim(),
                    note: String(v.note ?? '').trim() || null,
                  },
                }),
              );
              form.reset();
              await rules.refetch();
            }}
          >
            <Field name="emailDomain" label="E-mail domain" required placeholder="bank.example.pk" />
            <Field name="note" label="Note" />
          </Form>
        </div>
        <div className="card">
          <h2 className="h3">Screening list</h2>
          <p className="muted small">
            Sign-ups whose name matches an entry are held for review (Screening hits).
          </p>
          <QueryView q={screening} label="Loading…">
            {(list) => <p>{list.length.toLocaleString('en')} names on the list.</p>}
          </QueryView>
          <p className="links">
            {/* Formula-like names are neutralised in the file; importing it back restores them. */}
            <a href="/api/v1/admin/identity/screening-list.csv" download>
              Export the list as CSV
            </a>
          </p>
          <Form
            submitLabel="Import names"
            onSubmit={async (v, form) => {
              const r = await ok(
                api.POST('/api/v1/admin/identity/screening-list', {
                  body: { csv: String(v.csv ?? ''), replace: v.replace === true },
                }),
              );
              form.reset();
              await screening.refetch();
              setSaved(`Imported ${r.imported} names; ${r.total} on the list.`);
            }}
          >
            <Field
              name="csv"
              label="CSV with a name column (and optional reference)"
              type="textarea"
              rows={4}
              required
              placeholder={'name,reference\nExample Person,REF-1'}
            />
            <Field name="replace" type="checkbox" label="Replace the whole list" />
          </Form>
        </div>
        <div className="card">
          <h2 className="h3">Periods</h2>
          <QueryView q={idSettings} label="Loading…">
            {(st) => (
              <Form
                submitLabel="Save re-confirmation period"
                onSubmit={async (v) => {
                  await ok(
                    api.PUT('/api/v1/admin/identity/settings', {
                      body: { reconfirmMonths: Number(v.reconfirmMonths) },
                    }),
                  );
                  await idSettings.refetch();
                  setSaved('Re-confirmation period saved.');
                }}
              >
                <Field
                  name="reconfirmMonths"
                  label="Re-confirm profile and organisation details every (months)"
                  type="number"
                  min="1"
                  max="60"
                  defaultValue={String(st.reconfirmMonths)}
                />
              </Form>
            )}
          </QueryView>
          <QueryView q={termsSettings} label="Loading…">
            {(st) => (
              <Form
                submitLabel="Save terms periods"
                onSubmit={async (v) => {
                  await ok(
                    api.PATCH('/api/v1/admin/terms/settings', {
                      body: {
                        standardNoticeDays: Number(v.standardNoticeDays),
                        terminationNoticeDays: Number(v.terminationNoticeDays),
                        retentionDays: Number(v.retentionDays),
                      },
                    }),
                  );
                  await termsSettings.refetch();
                  setSaved('Terms periods saved.');
                }}
              >
                <Field
                  name="standardNoticeDays"
                  label="Notice before a standard terms change takes effect (days)"
                  type="number"
                  defaultValue={String(st.standardNoticeDays)}
                  hint="Never below what the published terms promise."
                />
                <Field
                  name="terminationNoticeDays"
                  label="Notice an organisation gives to terminate (days)"
                  type="number"
                  defaultValue={String(st.terminationNoticeDays)}
                />
                <Field
                  name="retentionDays"
                  label="Data kept read-only after termination (days)"
                  type="number"
                  defaultValue={String(st.retentionDays)}
                />
              </Form>
            )}
          </QueryView>
        </div>
      </div>
    </>
  );
}
