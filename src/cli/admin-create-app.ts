import { parseArgs } from 'node:util';
import type { System } from '../main.ts';
import { AppError } from '../platform/errors.ts';
import { isId } from '../platform/ids.ts';
import { readInstanceSettings, recordedGatewayBaseUrl } from '../platform/instance.ts';
import type { CliCommand } from '../platform/module.ts';
import { systemContext } from '../platform/request-context.ts';
import { need, print } from './admin-output.ts';

/**
 * `darwaza admin create-app`: registers an app (apps) for an organisation (organizations) and
 * subscribes it to plans of the catalogue (catalog), so it lives at the root.
 */
const cliCtx = systemContext('cli', 'darwaza-cli');

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

export const createApp: CliCommand<System> = {
  name: 'create-app',
  usage: `  create-app         --org <org id or name> --name N [--description D] [--plan PLAN]... [--json]
                     Registers an app and subscribes it to each PLAN (a plan id or "product/plan
                     name", e.g. "ibft/Default Plan - 100 calls per hour"; any dash may be typed as
                     -); approval-only plans are approved at once. Prints appId, clientId,
                     clientSecret (shown once) and gatewayBaseUrl (the running server's).`,
  async run(args, open) {
    const system = await open();
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
  },
};
