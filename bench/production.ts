import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ibftBody } from '../src/modules/sandbox/test-support.ts';
import { wrkVersion } from './load-generators.ts';
import { type DarwazaSetup, prepareDarwaza, startDarwaza } from './production-darwaza.ts';
import { runWrkPinned } from './production-load.ts';
import {
  luaVersions,
  type NginxInstall,
  nginxInstall,
  nginxTest,
  startNginx,
  writeNginxConfig,
} from './production-nginx.ts';
import {
  coreBusy,
  coreTimes,
  freePort,
  livePinned,
  type Pinned,
  processCpuUs,
  spawnPinned,
} from './production-procs.ts';
import {
  bottlenecks,
  medianRows,
  ROW_NAMES,
  type Row,
  type RowKey,
  ratios,
  table,
} from './production-report.ts';

/**
 * `darwaza bench --production`: the gateway's production path against nginx, in one run on this
 * machine. One upstream process (Darwaza's simulated production upstream, or a static nginx) runs
 * for the whole run, pinned with wrk to the load core; each server under test runs in its own
 * process pinned to the server core, one after the other, every round:
 *   (c) the upstream alone (wrk → upstream: the ceiling of the load core),
 *   (a) nginx, one process, proxy_pass over kept-alive upstream connections,
 *   (b) the peer gateway: nginx + Lua checking client id and token hash, a token bucket, an access log,
 *   (d) Darwaza's full gateway pipeline proxying production calls to the upstream.
 * Same request (title fetch, same headers and body), same connection count for every row.
 */
type Options = {
  connections: number;
  duration: number;
  warmup: number;
  rounds: number;
  upstream: 'sim' | 'nginx';
  serverCpu: number;
  loadCpu: number;
  json?: string;
};

export const productionUsage = `darwaza bench --production [--connections 50] [--duration 6] [--warmup 2] [--rounds 3]
             [--upstream sim|nginx] [--server-cpu 0] [--load-cpu 1] [--json out/production.json]

Measures, in one run, (c) the upstream alone, (a) nginx proxy_pass, (b) an nginx + Lua peer gateway
(client id + SHA-256 of the bearer token against a lua_shared_dict, token bucket, access log) and
(d) Darwaza's full gateway pipeline on its production path, each server in its own process pinned
to --server-cpu (taskset), wrk (one thread) and the upstream pinned to --load-cpu. --upstream sim
(default) is \`darwaza upstream\`; nginx is a static answer (shows the proxies' own limits when the
simulated upstream is the bottleneck). Needs Linux, taskset, wrk, nginx and libnginx-mod-http-lua.
Prints per server the median req/s, p50/p99 and CPU per request, the ratios Darwaza/peer and
Darwaza/nginx (median of the rounds' ratios) of throughput and of CPU per request (the latter
moves less when other processes share the machine), the setup and where each row's limit was.`;

function options(args: string[]): Options {
  const { values } = parseArgs({
    args,
    options: {
      connections: { type: 'string', default: '50' },
      duration: { type: 'string', default: '6' },
      warmup: { type: 'string', default: '2' },
      rounds: { type: 'string', default: '3' },
      upstream: { type: 'string', default: 'sim' },
      'server-cpu': { type: 'string', default: '0' },
      'load-cpu': { type: 'string', default: '1' },
      json: { type: 'string' },
    },
  });
  const int = (v: string, name: string, min: number, max: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be ${min}–${max}`);
    return n;
  };
  if (values.upstream !== 'sim' && values.upstream !== 'nginx')
    throw new Error('--upstream must be sim or nginx');
  const o: Options = {
    connections: int(values.connections, 'connections', 1, 10_000),
    duration: int(values.duration, 'duration', 1, 600),
    warmup: int(values.warmup, 'warmup', 0, 600),
    rounds: int(values.rounds, 'rounds', 1, 20),
    upstream: values.upstream,
    serverCpu: int(values['server-cpu'], 'server-cpu', 0, 4095),
    loadCpu: int(values['load-cpu'], 'load-cpu', 0, 4095),
    json: values.json,
  };
  if (o.serverCpu === o.loadCpu) throw new Error('--server-cpu and --load-cpu must differ');
  if (Math.max(o.serverCpu, o.loadCpu) >= availableParallelism()) {
    throw new Error(`this machine has ${availableParallelism()} cores (0–${availableParallelism() - 1})`);
  }
  return o;
}

/** What the run needs from the machine; the first missing piece, named, or null. */
function missing(): string | null {
  if (process.platform !== 'linux') return 'the production bench runs on Linux only (taskset, /proc)';
  if (availableParallelism() < 2) return 'the production bench needs at least 2 cores';
  if (!wrkVersion()) return 'wrk is not installed (Debian: apt-get install wrk)';
  const ngx = nginxInstall();
  if (!ngx) return 'nginx is not installed (Debian: apt-get install nginx-light or nginx)';
  if (!ngx.lua)
    return 'the nginx Lua module is not installed (Debian: apt-get install libnginx-mod-http-lua)';
  return null;
}

type Upstream = { port: number; proc: Pinned; describe: string };

const SIM_BIN = resolve(import.meta.dirname, '..', 'bin', 'darwaza.mjs');

async function startUpstream(o: Options, ngx: NginxInstall, dir: string): Promise<Upstream> {
  const port = await freePort();
  if (o.upstream === 'nginx') {
    const prefix = join(dir, 'upstream');
    const body = JSON.stringify({
      ResponseCode: '00',
      ResponseDetail: 'PROCESSED OK',
      AccountTitleTo: 'ALI KHAN',
    });
    writeNginxConfig({ kind: 'upstream', port, body }, ngx, prefix);
    return {
      port,
      proc: await startNginx(prefix, port, o.loadCpu),
      describe: `static nginx answer (${ngx.version})`,
    };
  }
  const proc = spawnPinned(o.loadCpu, process.execPath, [SIM_BIN, 'upstream', '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((res, rej) => {
    let out = '';
    let err = '';
    proc.child.stderr?.on('data', (d: Buffer) => {
      err += d;
    });
    proc.child.stdout?.on('data', (d: Buffer) => {
      out += d;
      if (out.includes('\n')) res();
    });
    proc.child.once('exit', (code) => rej(new Error(`darwaza upstream exited (${code}):\n${err}`)));
  });
  return {
    port,
    proc,
    describe: '`darwaza upstream` (the simulated production upstream, Node, one process)',
  };
}

type Server = { proc: Pinned | null; url: string; headers: Record<string, string>; stop(): Promise<void> };

export async function productionBench(args: string[]): Promise<number> {
  const say = (s: string) => process.stderr.write(`bench --production: ${s}\n`);
  let o: Options;
  try {
    o = options(args);
  } catch (err) {
    say((err as Error).message);
    return 2;
  }
  const lack = missing();
  if (lack) {
    say(lack);
    return 2;
  }
  const ngx = nginxInstall() as NginxInstall;
  const dir = mkdtempSync(join(tmpdir(), 'darwaza-bench-production-'));
  const load0 = loadavg();
  // Stopped early (Ctrl-C, a time-out's SIGTERM): no nginx, upstream or gateway outlives the run.
  const onSignal = (signal: NodeJS.Signals) => {
    for (const p of livePinned()) p.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let upstream: Upstream | undefined;
  let darwaza: DarwazaSetup | undefined;
  try {
    upstream = await startUpstream(o, ngx, dir);
    const up = upstream;
    say(`upstream: ${up.describe} on port ${up.port}, core ${o.loadCpu}`);
    // Darwaza's data (an app with production access and a token, the product's upstream) is made
    // once; its client id and token are the ones the peer is given. Each (d) row starts a gateway
    // process on it.
    const dz = await prepareDarwaza(join(dir, 'darwaza'), `http://127.0.0.1:${up.port}`).catch(
      (err: Error) => err,
    );
    if (dz instanceof Error) say(`(d) Darwaza cannot run: ${dz.message.split('\n')[0]}`);
    else darwaza = dz;
    const client = darwaza?.client ?? {
      clientId: `peer-${randomBytes(4).toString('hex')}`,
      token: randomBytes(24).toString('base64url'),
    };
    const prefixPath = `/${darwaza?.provider ?? 'darwaza'}/production/`;
    const body = JSON.stringify(ibftBody({ AccountNumberFrom: '9990000000001002' }));
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json',
      'x-ibm-client-id': client.clientId,
      authorization: `Bearer ${client.token}`,
    };

    const servers: Record<RowKey, () => Promise<Server | null>> = {
      upstream: async () => ({
        proc: null,
        url: `http://127.0.0.1:${up.port}/path-1`,
        headers,
        stop: async () => {},
      }),
      nginx: () => nginxServer('proxy', up.port, prefixPath, headers),
      peer: () => nginxServer('peer', up.port, prefixPath, headers, client),
      darwaza: async () => {
        if (!darwaza) return null;
        const d = await startDarwaza(darwaza, o.serverCpu);
        return { proc: d.proc, url: `http://127.0.0.1:${d.port}${darwaza.path}`, headers, stop: d.stop };
      },
    };
    const nginxServer = async (
      kind: 'proxy' | 'peer',
      upstreamPort: number,
      prefix: string,
      h: Record<string, string>,
      c?: { clientId: string; token: string },
    ): Promise<Server> => {
      const port = await freePort();
      const p = join(dir, `${kind}-${randomBytes(3).toString('hex')}`);
      writeNginxConfig(
        {
          kind,
          port,
          upstreamPort,
          prefixPath: prefix,
          // A plan the run never exhausts: the bucket is checked and charged on every call, as Darwaza's limits are.
          clients: c ? [{ ...c, ratePerSecond: 1_000_000, burst: 1_000_000 }] : undefined,
        },
        ngx,
        p,
      );
      const t = nginxTest(p);
      if (!t.ok) throw new Error(`nginx -t refused the ${kind} config:\n${t.output}`);
      const proc = await startNginx(p, port, o.serverCpu);
      return {
        proc,
        url: `http://127.0.0.1:${port}${prefix}path-1`,
        headers: h,
        stop: async () => {
          await proc.stop();
          rmSync(p, { recursive: true, force: true });
        },
      };
    };

    say(
      `wrk ${wrkVersion()}: ${o.connections} connections, ${o.warmup} s warm-up + ${o.duration} s per server, ${o.rounds} round(s)`,
    );
    const rounds: Row[][] = [];
    for (let round = 1; round <= o.rounds; round++) {
      const rows: Row[] = [];
      for (const key of ['upstream', 'nginx', 'peer', 'darwaza'] as RowKey[]) {
        const server = await servers[key]();
        if (!server) continue;
        say(`round ${round}/${o.rounds}: ${ROW_NAMES[key]} …`);
        try {
          rows.push(await measure(key, server, up, o, body));
        } finally {
          await server.stop();
        }
      }
      rounds.push(rows);
    }
    const rows = medianRows(rounds);
    const rs = ratios(rounds);
    const load1 = loadavg();
    const out: string[] = [table(rows), ''];
    for (const r of rs) {
      const each = o.rounds > 1 ? ` (rounds: ${r.rounds.map((x) => x.toFixed(2)).join(' / ')})` : '';
      out.push(`ratio ${r.name}: ${r.median.toFixed(2)}${each}`);
    }
    if (!darwaza) out.push('(d) not run: Darwaza could not start its production path (see above)');
    out.push('', 'where the limit was:', ...bottlenecks(rows).map((l) => `  ${l}`), '');
    const setup = [
      `setup: ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Linux ${release()}`,
      `  server under test pinned to core ${o.serverCpu} (taskset, the whole process: every thread); wrk (1 thread) and the upstream pinned to core ${o.loadCpu}`,
      `  ${o.connections} connections (keep-alive), ${o.warmup} s warm-up + ${o.duration} s measured per server, ${o.rounds} round(s), medians; ratios are medians of the rounds' ratios`,
      `  upstream: ${up.describe}, one process for the whole run; keep-alive to it: nginx upstream block keepalive 64, Darwaza its lean HTTP/1.1 client pool (ADR 0019; undici for HTTPS)`,
      `  nginx: ${ngx.version}, one process (master_process off, worker_processes 1, daemon off), configs in a temp dir; peer: ${luaVersions()}`,
      `  node ${process.version}; wrk ${wrkVersion()}`,
      `  load average (1/5/15 min) before ${load0.map((x) => x.toFixed(2)).join(' ')}, after ${load1.map((x) => x.toFixed(2)).join(' ')}`,
    ];
    out.push(...setup);
    process.stdout.write(`${out.join('\n')}\n`);
    if (o.json) {
      mkdirSync(resolve(o.json, '..'), { recursive: true });
      writeFileSync(
        o.json,
        JSON.stringify(
          { at: new Date().toISOString(), options: o, setup, rows, ratios: rs, rounds },
          null,
          2,
        ),
      );
    }
    return 0;
  } catch (err) {
    say((err as Error).stack ?? String(err));
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await upstream?.proc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(key: RowKey, s: Server, up: Upstream, o: Options, body: string): Promise<Row> {
  const target = { url: s.url, method: 'POST', headers: s.headers, body, connections: o.connections };
  if (o.warmup > 0) await runWrkPinned(o.loadCpu, { ...target, duration: o.warmup });
  const serverPid = s.proc?.pid ?? up.proc.pid;
  // The server's CPU while idle (timers, refreshes, its usage writer finishing the warm-up's
  // rows): over 1 s, so the run's CPU per request can also be read net of it.
  const idle0 = processCpuUs(serverPid);
  const idleT0 = performance.now();
  await new Promise((r) => setTimeout(r, 1000));
  const idleUsPerSecond = ((processCpuUs(serverPid) - idle0) / (performance.now() - idleT0)) * 1000;
  const cpu0 = { server: processCpuUs(serverPid), upstream: processCpuUs(up.proc.pid), cores: coreTimes() };
  const t0 = performance.now();
  const r = await runWrkPinned(o.loadCpu, { ...target, duration: o.duration });
  const wallUs = (performance.now() - t0) * 1000;
  const cpu1 = { server: processCpuUs(serverPid), upstream: processCpuUs(up.proc.pid), cores: coreTimes() };
  const busy = coreBusy(cpu0.cores, cpu1.cores);
  const per = (us: number) => (r.total > 0 ? Math.round((us / r.total) * 10) / 10 : 0);
  const upstreamUs = cpu1.upstream - cpu0.upstream;
  return {
    key,
    rps: Math.round(r.rps),
    p50: r.p50Ms,
    p99: r.p99Ms,
    total: r.total,
    non2xx: r.non2xx,
    errors: r.errors,
    serverCpuUs: per(cpu1.server - cpu0.server),
    serverIdleUsPerSecond: Math.round(idleUsPerSecond),
    serverCpuUsNet: per(Math.max(0, cpu1.server - cpu0.server - (idleUsPerSecond * wallUs) / 1_000_000)),
    upstreamCpuUs: per(upstreamUs),
    wrkCpuUs: per(r.wrkCpuUs),
    serverShare: s.proc ? (cpu1.server - cpu0.server) / wallUs : 0,
    loadShare: (upstreamUs + r.wrkCpuUs) / wallUs,
    serverCoreBusy: busy.get(o.serverCpu) ?? 0,
    loadCoreBusy: busy.get(o.loadCpu) ?? 0,
  };
}
