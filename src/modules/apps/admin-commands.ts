import { parseArgs } from 'node:util';
import { AppError } from '../../platform/errors.ts';
import type { CliCommand } from '../../platform/module.ts';
import { systemContext } from '../../platform/request-context.ts';
import type { AppsService } from './apps-service.ts';

/**
 * The apps module's `darwaza admin` subcommands that need only this module (approve-subscription,
 * decide-limit-request). create-app needs the catalogue and organisations too, so it lives at
 * the root (src/cli/admin-create-app.ts).
 */
type AppsCliPorts = { apps: Pick<AppsService, 'decideSubscription' | 'decideLimitRequest'> };

/** The CLI acts as the system ('cli'), from no address, as user agent 'darwaza-cli'. */
const cliCtx = systemContext('cli', 'darwaza-cli');

function need(v: string | undefined, flag: string): string {
  if (!v)
    throw new AppError('validation_failed', { message: `${flag} is required; run darwaza admin --help` });
  return v;
}

function print(json: boolean, out: Record<string, unknown>, lines: string[]): void {
  process.stdout.write(json ? `${JSON.stringify(out)}\n` : `${lines.join('\n')}\n`);
}

const approveSubscription: CliCommand<AppsCliPorts> = {
  name: 'approve-subscription',
  usage: `  approve-subscription --subscription <sub id> [--decline --reason R] [--json]
                     Approves (or declines with a reason) a pending subscription; the org is notified.`,
  async run(args, open) {
    const { apps } = await open();
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
    const sub = await apps.decideSubscription(id, !values.decline, values.reason ?? null, cliCtx);
    print(!!values.json, { ...sub }, [
      `subscription ${sub.id} (${sub.productSlug}, ${sub.planName}) is ${sub.status}`,
    ]);
  },
};

const decideLimitRequest: CliCommand<AppsCliPorts> = {
  name: 'decide-limit-request',
  usage: `  decide-limit-request --request <lim id> --decision approve|decline|approve_with_conditions
                     [--value N] [--until ISO-DATE] [--terms TEXT] [--note TEXT] [--json]
                     Decides a limit-increase request; conditions apply a lower value, an end date
                     or terms the organisation must accept first.`,
  async run(args, open) {
    const { apps } = await open();
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
    const r = await apps.decideLimitRequest(
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
  },
};

/** In the order `darwaza admin --help` lists them. */
export const appsCli: ReadonlyArray<CliCommand<AppsCliPorts>> = [approveSubscription, decideLimitRequest];
