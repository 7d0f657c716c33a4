import { parseArgs } from 'node:util';
import type { System } from '../../main.ts';
import { AppError } from '../../platform/errors.ts';
import { isId } from '../../platform/ids.ts';
import { readInstanceSettings, recordedGatewayBaseUrl } from '../../platform/instance.ts';
import { registerAdminSubcommand } from '../identity/admin-cli.ts';
import type { Ctx } from './apps-service.ts';

/**
 * `darwaza admin create-app | approve-subscription | decide-limit-request`: the apps module's
 * operator commands, registered on the identity module's admin dispatcher.
 */
const cliCtx: Ctx = { actor: { type: 'system', id: 'cli' }, ip: null, userAgent: 'darwaza-cli' };

function need(v: string | undefined, flag: string): string {
  if (!v)
    throw new AppError('validation_failed', { message: `${flag} is required; run darwaza admin --help` });
  return v;
}

function print(json: boolean, out: Record<string, unknown>, lines: string[]): void {
  process.stdout.write(json ? `${JSON.stringify(out)}\n` : `${lines.join('\n')}\n`);
}

/**
 * How plan and product names are compared: any dash (en and em dashes, minus signs, hyphens) counts
 * as "-", runs of white space as one space, and case is ignored, so names can be typed as they read.
 */
function planNameKey(name: string): string {
  return name
    .normalize('NFKC')
    .replace(/[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]/g, '-')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

/** A plan id, or "product/plan name" (product by slug or name); lists the plans when none matches. */
async function resolvePlan(system: System, spec: string) {
  const { catalog } = system.services;
  if (isId(spec, 'pln')) {
    const p = await catalog.getPlan(spec);
    if (p) return p;
  }
  const products = await catalog.listProducts({ includeAll: true });
  const i = spec.indexOf('/');
  const productKey = i > 0 ? planNameKey(spec.slice(0, i)) : null;
  const product = products.find(
    (p) => planNameKey(p.slug) === productKey || planNameKey(p.name) === productKey,
  );
  if (product) {
    const planKey = planNameKey(spec.slice(i + 1));
    const plan = product.plans.find((p) => planNameKey(p.name) === planKey);
    if (plan) return plan;
  }
  const candidates = (product ? [product] : products).flatMap((p) =>
    p.plans.filter((plan) => plan.status === 'active').map((plan) => `"${p.slug}/${plan.name}"`),
  );
  throw new AppError('not_found', {
    message: `no plan "${spec}"; give a plan id or "product/plan name" (a plain - matches a dash): ${
      candidates.length > 0 ? candidates.join(', ') : 'no plans exist yet'
    }`,
  });
}

async function resolveOrg(system: System, spec: string): Promise<string> {
  const { organizations } = system.services;
  const org = isId(spec, 'org')
    ? await organizations.getOrganization(spec)
    : await organizations.findOrganizationByName(spec);
  if (!org) throw new AppError('not_found', { message: `no organisation "${spec}"` });
  return org.id;
}

async function createApp(system: System, args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      org: { type: 'string' },
      name: { type: 'string' },
      description: { type: 'string' },
      plan: { type: 'string', multiple: true },
      json: { type: 'boolean' },
    },
  });
  const { apps, catalog } = system.services;
  const orgId = await resolveOrg(system, need(values.org, '--org'));
  const plans = [];
  for (const spec of values.plan ?? []) plans.push(await resolvePlan(system, spec));
  const created = await apps.createApp(
    orgId,
    { name: need(values.name, '--name'), description: values.description ?? '' },
    cliCtx,
  );
  const subscriptions = [];
  for (const plan of plans) {
    // An operator creating the app also stands for the approval an approval-only plan needs.
    let sub = await apps.subscribe(orgId, created.app.id, plan.id, cliCtx, { skipTermsCheck: true });
    if (sub.status === 'pending')
      sub = await apps.decideSubscription(sub.id, true, 'created by an operator', cliCtx);
    subscriptions.push({
      subscriptionId: sub.id,
      planId: plan.id,
      product: plan.productSlug,
      status: sub.status,
    });
  }
  // The running server's address as it recorded it (its PUBLIC_URL and GATEWAY_PROVIDER, which this
  // process may not share); this process's own settings only when no server has started yet.
  const gatewayBaseUrl =
    recordedGatewayBaseUrl(await readInstanceSettings(system.database.db), created.app.environment) ??
    `${catalog.publicUrl}${catalog.basePath(created.app.environment)}`;
  print(
    !!values.json,
    {
      appId: created.app.id,
      clientId: created.app.clientId,
      clientSecret: created.clientSecret,
      gatewayBaseUrl,
      orgId,
      subscriptions,
    },
    [
      `app ${created.app.name} created (${created.app.id}) in ${orgId}`,
      `client id: ${created.app.clientId}`,
      `client secret (shown once): ${created.clientSecret}`,
      `gateway base URL: ${gatewayBaseUrl}`,
      ...subscriptions.map((s) => `subscribed to ${s.product} plan ${s.planId}: ${s.status}`),
    ],
  );
}

async function approveSubscription(system: System, args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      subscription: { type: 'string' },
      decline: { type: 'boolean' },
      reason: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const id = need(values.subscription, '--subscription');
  if (values.decline && !values.reason)
    throw new AppError('validation_failed', { message: '--decline needs --reason' });
  const sub = await system.services.apps.decideSubscription(
    id,
    !values.decline,
    values.reason ?? null,
    cliCtx,
  );
  print(!!values.json, { ...sub }, [
    `subscription ${sub.id} (${sub.productSlug}, ${sub.planName}) is ${sub.status}`,
  ]);
}

async function decideLimitRequest(system: System, args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      request: { type: 'string' },
      decision: { type: 'string' },
      value: { type: 'string' },
      until: { type: 'string' },
      terms: { type: 'string' },
      note: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const decision = need(values.decision, '--decision');
  if (!['approve', 'decline', 'approve_with_conditions'].includes(decision)) {
    throw new AppError('validation_failed', {
      message: '--decision must be approve, decline or approve_with_conditions',
    });
  }
  const value = values.value === undefined ? undefined : Number(values.value);
  if (value !== undefined && !Number.isInteger(value))
    throw new AppError('validation_failed', { message: '--value must be a whole number' });
  const r = await system.services.apps.decideLimitRequest(
    need(values.request, '--request'),
    {
      decision: decision as 'approve',
      ...(value !== undefined ? { value } : {}),
      ...(values.until ? { until: new Date(values.until).toISOString() } : {}),
      ...(values.terms ? { terms: values.terms } : {}),
      ...(values.note ? { note: values.note } : {}),
    },
    cliCtx,
  );
  print(!!values.json, { ...r }, [
    `limit request ${r.id} (${r.limit}) is ${r.status}${r.grantedValue !== null ? `: ${r.grantedValue}` : ''}${r.grantedUntil ? ` until ${r.grantedUntil}` : ''}${r.conditionsTerms ? ' (terms to accept first)' : ''}`,
  ]);
}

registerAdminSubcommand(
  'create-app',
  `  create-app         --org <org id or name> --name N [--description D] [--plan PLAN]... [--json]
                     Registers an app and subscribes it to each PLAN (a plan id or "product/plan
                     name", e.g. "ibft/Default Plan - 100 calls per hour"; any dash may be typed as
                     -); approval-only plans are approved at once. Prints appId, clientId,
                     clientSecret (shown once) and gatewayBaseUrl (the running server's).`,
  createApp,
);
registerAdminSubcommand(
  'approve-subscription',
  `  approve-subscription --subscription <sub id> [--decline --reason R] [--json]
                     Approves (or declines with a reason) a pending subscription; the org is notified.`,
  approveSubscription,
);
registerAdminSubcommand(
  'decide-limit-request',
  `  decide-limit-request --request <lim id> --decision approve|decline|approve_with_conditions
                     [--value N] [--until ISO-DATE] [--terms TEXT] [--note TEXT] [--json]
                     Decides a limit-increase request; conditions apply a lower value, an end date
                     or terms the organisation must accept first.`,
  decideLimitRequest,
);
