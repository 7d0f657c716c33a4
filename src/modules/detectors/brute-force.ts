import { z } from 'zod';
import { defineDetector, type Finding, RecentIds, type Signal, type SubjectKind } from './detector.ts';
import { seconds, whole } from './thresholds.ts';
import { CountWindow } from './windows.ts';

/** The gateway's refusals that mean a wrong credential was presented. */
const CREDENTIAL_REFUSALS = new Set([
  'gateway_invalid_client',
  'gateway_invalid_client_secret',
  'gateway_invalid_token',
]);

/**
 * Brute force. Rule: within `windowSeconds`, `perSubject` failed credential checks naming one
 * client id or account (token requests, client-secret checks, portal sign-ins, TOTP codes, and
 * gateway calls refused for a wrong credential), or `perSource` from one source address over any
 * subjects, open an incident about that subject (the app, the account, or the address).
 */
export const bruteForce = defineDetector({
  id: 'brute_force',
  title: 'Brute force on credentials',
  rule: 'At least perSubject failed credential checks on one client id or account, or perSource from one source address, within windowSeconds.',
  termsClause: 'Acceptable use: no attempts to gain access by guessing or testing credentials',
  severity: 'high',
  thresholds: z.strictObject({
    windowSeconds: seconds(),
    perSubject: whole(3, 10_000),
    perSource: whole(3, 100_000),
  }),
  defaults: { windowSeconds: 300, perSubject: 10, perSource: 20 },
  create() {
    const counts = new CountWindow();
    const ids = new RecentIds();
    return (s, t, report) => {
      const f = failureOf(s);
      if (!f) return;
      const windowMs = t.windowSeconds * 1000;
      const subjectKey = `${f.channel}|${f.subject}`;
      const sourceKey = `ip|${f.ip}`;
      ids.add(subjectKey, f.requestId);
      ids.add(sourceKey, f.requestId);
      const bySubject = counts.add(subjectKey, f.atMs, windowMs);
      const bySource = counts.add(sourceKey, f.atMs, windowMs);
      const base = { windowStartMs: f.atMs - windowMs, windowEndMs: f.atMs };
      const sample = { channel: f.channel, source: f.ip.replace(/[^.:]+$/, 'x') };
      if (bySubject >= t.perSubject) {
        counts.reset(subjectKey);
        report({
          ...base,
          subject: f.subjectRef,
          orgId: f.orgId,
          title: `Brute force: ${bySubject} failed ${f.channel} checks`,
          summary: `${bySubject} failed ${f.channel} credential checks on one ${f.subjectRef.kind} within ${t.windowSeconds} s (threshold ${t.perSubject}).`,
          count: bySubject,
          requestIds: ids.take(subjectKey),
          samples: [sample],
        });
      }
      if (bySource >= t.perSource) {
        counts.reset(sourceKey);
        report({
          ...base,
          subject: { kind: 'source_address', id: f.ip },
          title: `Brute force from one address: ${bySource} failed checks`,
          summary: `${bySource} failed credential checks from one source address within ${t.windowSeconds} s (threshold ${t.perSource}).`,
          count: bySource,
          requestIds: ids.take(sourceKey),
          samples: [sample],
        } satisfies Finding);
      }
    };
  },
});

type Failure = {
  atMs: number;
  channel: string;
  subject: string;
  subjectRef: { kind: SubjectKind; id: string };
  orgId: string | null;
  ip: string;
  requestId: string | null;
};

function failureOf(s: Signal): Failure | null {
  if (s.kind === 'auth_failure') {
    const subjectRef: Failure['subjectRef'] = s.appId
      ? { kind: 'app', id: s.appId }
      : s.channel === 'signin' || s.channel === 'totp'
        ? { kind: 'account', id: s.subject }
        : { kind: 'source_address', id: s.ip };
    return { ...s, subjectRef };
  }
  if (s.kind !== 'call' || s.r.errorCode === null || !CREDENTIAL_REFUSALS.has(s.r.errorCode)) return null;
  const r = s.r;
  return {
    atMs: r.atMs,
    channel: 'gateway',
    subject: r.client.clientId ?? r.source.ip,
    subjectRef: r.client.appId
      ? { kind: 'app', id: r.client.appId }
      : { kind: 'source_address', id: r.source.ip },
    orgId: r.client.orgId,
    ip: r.source.ip,
    requestId: r.requestId,
  };
}
