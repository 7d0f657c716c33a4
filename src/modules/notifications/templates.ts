/**
 * Every kind of e-mail and in-app notice the portal sends, by template id. A message's `kind` is its
 * template id (stored with the outbox row and the notice, returned by the dev mailbox and by
 * `listNotifications`), and `Mailer.send` / `NotificationService.notify` accept only ids listed
 * here for their channel: a new message cannot be sent without being registered, so the set is
 * enumerable. test/browser/links.test.ts triggers every template in this list and follows every
 * link in each; it fails when a template has no trigger there.
 *
 * Link conventions (what keeps links from leading nowhere):
 * - an e-mail states each link as an absolute URL (`${publicUrl}/…`) standing alone on its own
 *   line, so no sentence punctuation can become part of it in any mail client;
 * - a notice carries at most one link, as a path of the web app (`/…`), shown as "Open".
 */
type Channel = 'mail' | 'notice';
type TemplateInfo = { channels: readonly Channel[]; sentWhen: string };

export const templates = {
  // identity
  activation: { channels: ['mail'], sentWhen: 'someone signs up: the single-use activation link' },
  signup_existing: {
    channels: ['mail'],
    sentWhen: 'someone signs up with an address that already has an account',
  },
  account_pending: {
    channels: ['notice'],
    sentWhen: 'an activated account waits for an operator (to every operator)',
  },
  account_approved: { channels: ['mail', 'notice'], sentWhen: 'an operator approves an account' },
  account_rejected: { channels: ['mail', 'notice'], sentWhen: 'an operator rejects an account' },
  mfa_disabled: { channels: ['mail'], sentWhen: 'the authenticator app is removed from an account' },
  password_changed: { channels: ['mail'], sentWhen: 'the account holder changes the password' },
  password_reset: { channels: ['mail'], sentWhen: 'a password reset is asked for: the single-use link' },
  password_reset_completed: {
    channels: ['mail'],
    sentWhen: 'a password is set from a reset link (every session ended)',
  },
  // organisations
  representative_review: {
    channels: ['mail'],
    sentWhen: "an organisation names a participant: to the participant's reviewers",
  },
  org_invitation: { channels: ['mail'], sentWhen: 'someone is invited to an organisation' },
  representative_confirmed: {
    channels: ['mail'],
    sentWhen: 'a participant reviewer confirms a representative',
  },
  representative_rejected: {
    channels: ['mail'],
    sentWhen: 'a participant reviewer rejects a representative',
  },
  // terms and termination
  'terms.published': {
    channels: ['mail', 'notice'],
    sentWhen: 'an operator publishes a terms version: to everyone it affects',
  },
  'terms.declined': {
    channels: ['mail', 'notice'],
    sentWhen: 'an organisation declines a terms version not yet in force',
  },
  'terms.decline_effective': {
    channels: ['mail', 'notice'],
    sentWhen: 'a declined version takes effect and the organisation loses API access',
  },
  'terms.accepted_by_use': {
    channels: ['notice'],
    sentWhen: 'an organisation uses the APIs while a version it did not answer is in force',
  },
  'org.termination_requested': {
    channels: ['mail', 'notice'],
    sentWhen: 'an owner gives notice of termination',
  },
  'org.termination_withdrawn': { channels: ['notice'], sentWhen: 'a notice of termination is withdrawn' },
  'org.terminated': { channels: ['mail', 'notice'], sentWhen: "an organisation's access ends" },
  // apps, subscriptions, products, limits
  'app.production.approved': {
    channels: ['mail', 'notice'],
    sentWhen: 'an operator approves production access',
  },
  'app.production.declined': {
    channels: ['mail', 'notice'],
    sentWhen: 'an operator declines production access',
  },
  'subscription.approved': { channels: ['mail', 'notice'], sentWhen: 'an operator approves a subscription' },
  'subscription.declined': { channels: ['mail', 'notice'], sentWhen: 'an operator declines a subscription' },
  'product.deprecated': {
    channels: ['mail', 'notice'],
    sentWhen: 'a product with live subscriptions is deprecated',
  },
  'product.retired': {
    channels: ['mail', 'notice'],
    sentWhen: 'a product with live subscriptions is retired',
  },
  'limit_request.approve': { channels: ['mail', 'notice'], sentWhen: 'a limit increase is approved' },
  'limit_request.approve_with_conditions': {
    channels: ['mail', 'notice'],
    sentWhen: 'a limit increase is approved with conditions to accept',
  },
  'limit_request.decline': { channels: ['mail', 'notice'], sentWhen: 'a limit increase is declined' },
  // enforcement
  'enforcement.action': {
    channels: ['mail', 'notice'],
    sentWhen:
      'an enforcement action (warning, throttle, suspension, reinstatement, termination) on an organisation or one of its apps: to its owners and admins, with the reason category and what to do next',
  },
  // regulator
  'regulator_request.due': {
    channels: ['notice'],
    sentWhen: 'a regulator request not yet delivered is due within three days (to every operator, once)',
  },
  'regulator_request.delivered': {
    channels: ['mail', 'notice'],
    sentWhen:
      "a regulator request's bundle is first downloaded: to the owners and admins of each organisation it concerns, unless the request is confidential",
  },
  'information_request.received': {
    channels: ['mail', 'notice'],
    sentWhen: 'the operator asks an organisation for information: to its owners and admins',
  },
  'information_request.answered': {
    channels: ['notice'],
    sentWhen: "an organisation answers the operator's information request (to every operator)",
  },
} as const satisfies Record<string, TemplateInfo>;

export type TemplateId = keyof typeof templates;

type OnChannel<C extends Channel> = {
  [K in TemplateId]: C extends (typeof templates)[K]['channels'][number] ? K : never;
}[TemplateId];

/** Template ids an e-mail may carry. */
export type MailTemplateId = OnChannel<'mail'>;
/** Template ids an in-app notice may carry. */
export type NoticeTemplateId = OnChannel<'notice'>;
