import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { AppError } from '../../platform/errors.ts';
import type { CliCommand } from '../../platform/module.ts';
import { systemContext } from '../../platform/request-context.ts';
import type { UpstreamPatch } from './upstream-settings.ts';
import type { UpstreamsService } from './upstreams-service.ts';

/**
 * `darwaza admin upstream list` and `darwaza admin upstream set`: the production upstreams from the
 * command line (the same service, checks and audit as updateUpstream; the CLI acts as 'cli').
 */
type UpstreamsCliPorts = { upstreams: Pick<UpstreamsService, 'list' | 'update'> };

const cliCtx = systemContext('cli', 'darwaza-cli');

function print(json: boolean, out: unknown, lines: string[]): void {
  process.stdout.write(json ? `${JSON.stringify(out)}\n` : `${lines.join('\n')}\n`);
}

function line(u: Awaited<ReturnType<UpstreamsService['list']>>[number]): string {
  const tls = u.tls ? `, mTLS ${u.tls.certificateSubject} until ${u.tls.certificateNotAfter}` : '';
  return `${u.productSlug}: ${u.baseUrl} (${u.enabled ? 'on' : 'off'}; connect ${u.connectTimeoutMs} ms, response ${u.responseTimeoutMs} ms, at most ${u.maxResponseBytes} bytes; headers ${u.headerAllowList.join(', ') || 'none'}${tls})`;
}

const listUpstreams = {
  async run(args: string[], open: () => Promise<UpstreamsCliPorts>) {
    const { upstreams } = await open();
    const { values } = parseArgs({ args, options: { json: { type: 'boolean' } } });
    const items = await upstreams.list();
    print(!!values.json, { items }, items.length ? items.map(line) : ['no upstream configured']);
  },
};

function int(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new AppError('validation_failed', { message: `${flag} must be a number` });
  return n;
}

const setUpstream = {
  async run(args: string[], open: () => Promise<UpstreamsCliPorts>) {
    const { upstreams } = await open();
    const { values } = parseArgs({
      args,
      options: {
        product: { type: 'string' },
        'base-url': { type: 'string' },
        'connect-timeout-ms': { type: 'string' },
        'response-timeout-ms': { type: 'string' },
        'max-response-bytes': { type: 'string' },
        headers: { type: 'string' },
        enable: { type: 'boolean' },
        disable: { type: 'boolean' },
        cert: { type: 'string' },
        key: { type: 'string' },
        ca: { type: 'string' },
        'no-tls': { type: 'boolean' },
        json: { type: 'boolean' },
      },
    });
    if (!values.product)
      throw new AppError('validation_failed', { message: '--product is required; run darwaza admin --help' });
    if (!!values.cert !== !!values.key)
      throw new AppError('validation_failed', { message: '--cert and --key go together' });
    const patch: UpstreamPatch = {
      baseUrl: values['base-url'],
      connectTimeoutMs: int(values['connect-timeout-ms'], '--connect-timeout-ms'),
      responseTimeoutMs: int(values['response-timeout-ms'], '--response-timeout-ms'),
      maxResponseBytes: int(values['max-response-bytes'], '--max-response-bytes'),
      headerAllowList: values.headers === undefined ? undefined : values.headers.split(',').filter(Boolean),
      enabled: values.enable ? true : values.disable ? false : undefined,
      tls: values['no-tls']
        ? null
        : values.cert && values.key
          ? {
              certificatePem: readFileSync(values.cert, 'utf8'),
              privateKeyPem: readFileSync(values.key, 'utf8'),
              caPem: values.ca ? readFileSync(values.ca, 'utf8') : null,
            }
          : undefined,
    };
    const u = await upstreams.update(values.product, patch, cliCtx);
    print(!!values.json, u, [line(u)]);
  },
};

const upstream: CliCommand<UpstreamsCliPorts> = {
  name: 'upstream',
  usage: `  upstream list [--json]
                     Lists the production upstreams, one per product.
  upstream set --product <slug> [--base-url URL] [--connect-timeout-ms N] [--response-timeout-ms N]
                     [--max-response-bytes N] [--headers h1,h2] [--enable|--disable]
                     [--cert FILE --key FILE [--ca FILE] | --no-tls] [--json]
                     Configures a product's production upstream (audited; gateways pick it up within seconds).`,
  async run(args, open) {
    const [action, ...rest] = args;
    if (action === 'list') return listUpstreams.run(rest, open);
    if (action === 'set') return setUpstream.run(rest, open);
    throw new AppError('validation_failed', {
      message: 'darwaza admin upstream list | set …; run darwaza admin --help',
    });
  },
};

export const upstreamsCli: ReadonlyArray<CliCommand<UpstreamsCliPorts>> = [upstream];
