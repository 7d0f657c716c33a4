import { createHmac } from 'node:crypto';
import type { OrgRole } from '../src/modules/organizations/index.ts';
import type { Principal } from '../src/platform/http/route.ts';
import { actorOf, systemContext } from '../src/platform/request-context.ts';
import type { TestSystem } from './harness.ts';

/**
 * Helpers for HTTP tests of any module: accounts, sessions and organisations without repeating the
 * sign-up dance. `SignedIn.headers` carries the session cookie and CSRF token (browser style);
 * `SignedIn.bearer` carries the session token as a bearer (script style).
 */
export type SignedIn = {
  userId: string;
  email: string;
  token: string;
  csrfToken: string;
  /** cookie + x-csrf-token: send with every request */
  headers: Record<string, string>;
  /** Authorization: Bearer <session token> */
  bearer: Record<string, string>;
  principal: Principal;
};

export const TEST_PASSWORD = 'correct-horse-battery-9';

let counter = 0;
export function uniqueEmail(prefix = 'user'): string {
  counter += 1;
  return `${prefix}${counter}-${Date.now().toString(36)}@example.test`;
}

/** RFC 6238 (HMAC-SHA1, 6 digits, 30 s) written from the RFC with node:crypto, independent of otplib. */
export function rfc6238(secretBase32: string, nowMs: number, stepOffset = 0): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const clean = secretBase32.replace(/=+$/, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const bytes: number[] = [];
  for (const ch of clean) {
    value = (value << 5) | alphabet.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  const counterValue = Math.floor(nowMs / 1000 / 30) + stepOffset;
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counterValue));
  const mac = createHmac('sha1', Buffer.from(bytes)).update(msg).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const bin =
    ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3];
  return String(bin % 1_000_000).padStart(6, '0');
}

/** Signs in over HTTP; throws with the response body when it fails. */
export async function signIn(
  sys: TestSystem,
  email: string,
  password = TEST_PASSWORD,
  code?: string,
  ip?: string,
): Promise<SignedIn> {
  const res = await sys.app.inject({
    method: 'POST',
    url: '/api/v1/sessions',
    payload: { email, password, ...(code ? { code } : {}) },
    ...(ip ? { remoteAddress: ip } : {}),
  });
  if (res.statusCode !== 201) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`);
  const body = res.json();
  // The session token arrives only in the cookie (browser style); scripts would ask for a bearer.
  const token = /__Host-dz_session=([^;]+)/.exec(String(res.headers['set-cookie']))![1];
  body.token = token;
  const principal = await sys.services.identity.authenticateToken(token);
  return {
    userId: body.user.id,
    email,
    token: body.token,
    csrfToken: body.csrfToken,
    headers: { cookie: `__Host-dz_session=${body.token}`, 'x-csrf-token': body.csrfToken },
    bearer: { authorization: `Bearer ${body.token}` },
    principal: principal!,
  };
}

/** An active developer account (provisioned directly: no e-mail round trip), signed in. */
export async function activeUser(
  sys: TestSystem,
  opts: { email?: string; name?: string; password?: string } = {},
): Promise<SignedIn> {
  const email = opts.email ?? uniqueEmail('dev');
  await sys.services.identity.provisionUser({
    email,
    name: opts.name ?? 'Test Developer',
    password: opts.password ?? TEST_PASSWORD,
  });
  return signIn(sys, email, opts.password ?? TEST_PASSWORD);
}

/**
 * An operator (always TOTP-enrolled), signed in with a code. Advances a fake clock by one TOTP step
 * first so repeated operator sign-ins in one test never replay a code.
 */
export async function operatorUser(
  sys: TestSystem,
  opts: { email?: string } = {},
): Promise<SignedIn & { totpSecret: string }> {
  const email = opts.email ?? uniqueEmail('op');
  const r = await sys.services.identity.provisionUser({
    email,
    name: 'Test Operator',
    password: TEST_PASSWORD,
    operator: true,
  });
  sys.clock.advance(30_000);
  const s = await signIn(sys, email, TEST_PASSWORD, rfc6238(r.totpSecret!, sys.clock.nowMs()));
  return { ...s, totpSecret: r.totpSecret! };
}

/** A participant (operator-created) for organisations to name. */
export async function testParticipant(sys: TestSystem, name = `Bank ${uniqueEmail('p')}`): Promise<string> {
  const p = await sys.services.organizations.createParticipant({ name }, systemContext());
  return p.id;
}

/** An organisation owned by `owner`, optionally with the owner confirmed by its participant. */
export async function testOrganization(
  sys: TestSystem,
  owner: SignedIn,
  opts: { name?: string; participantId?: string; confirmed?: boolean } = {},
): Promise<string> {
  const participantId = opts.participantId ?? (await testParticipant(sys));
  const org = await sys.services.organizations.createOrganization(
    owner.principal,
    {
      name: opts.name ?? `Org ${uniqueEmail('o')}`,
      registrationNumber: 'REG-0001',
      participantId,
      attestAuthority: true,
    },
    { ...systemContext(), actor: actorOf(owner.principal) },
  );
  if (opts.confirmed) await sys.services.organizations.confirmRepresentativeAsSystem(org.id, owner.userId);
  return org.id;
}

/** Adds an existing signed-in user to an organisation with a role (via invitation + acceptance). */
export async function addMember(
  sys: TestSystem,
  owner: SignedIn,
  orgId: string,
  member: SignedIn,
  role: OrgRole,
) {
  await sys.services.organizations.inviteMember(
    owner.principal,
    orgId,
    { email: member.email, role },
    { ...systemContext(), actor: actorOf(owner.principal) },
  );
  // Ids made in one fake-clock millisecond need not sort in creation order: match the organisation.
  const org = await sys.services.orgAccess.getOrganization(orgId);
  const mail = (await sys.services.mailer.list({ to: member.email, limit: 50 })).find(
    (m) => m.kind === 'org_invitation' && m.subject.includes(org!.name),
  );
  const token = /token=([A-Za-z0-9_-]+)/.exec(mail!.text)![1];
  await sys.services.organizations.acceptInvitation(member.principal, token, {
    ...systemContext(),
    actor: actorOf(member.principal),
  });
}

/** The token in the newest e-mail of `kind` sent to `to`. */
export async function tokenFromMail(sys: TestSystem, to: string, kind: string): Promise<string> {
  const mail = (await sys.services.mailer.list({ to, limit: 50 })).find((m) => m.kind === kind);
  if (!mail) throw new Error(`no ${kind} mail to ${to}`);
  return /token=([A-Za-z0-9_-]+)/.exec(mail.text)![1];
}
