import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { firstLineOf, type Pinned, spawnPinned, waitForPort } from './production-procs.ts';

/**
 * The nginx servers of `darwaza bench --production`, from the templates in bench/nginx/: (a) the
 * plain proxy, (b) the nginx + Lua peer gateway, and a static upstream. Each config is written to
 * its own temp directory (the nginx prefix: logs, pid, temp files, the peer's credentials file),
 * tested with `nginx -t`, and run as the current user in one process (`master_process off`,
 * `daemon off`), pinned to a core.
 */
export type NginxKind = 'proxy' | 'peer' | 'upstream';

/** One client the peer knows: its id, its access token (only its SHA-256 is written), its bucket. */
export type PeerClient = { clientId: string; token: string; ratePerSecond: number; burst: number };

export type NginxConfig = {
  kind: NginxKind;
  /** Listening port (127.0.0.1). */
  port: number;
  /** proxy, peer: the upstream's port (127.0.0.1). */
  upstreamPort?: number;
  /** proxy, peer: the path prefix served (e.g. /darwaza/production/), stripped before the upstream. */
  prefixPath?: string;
  /** peer: the credentials it checks. */
  clients?: PeerClient[];
  /** upstream: the fixed JSON answer. */
  body?: string;
  /** Idle connections to the upstream kept open (the upstream block's keepalive; default 64). */
  upstreamKeepalive?: number;
};

const TEMPLATES = resolve(import.meta.dirname, 'nginx');

export type NginxInstall = { version: string; modulesPath: string; lua: boolean };

/** The installed nginx (version, module directory, whether the Lua module is there), or null. */
export function nginxInstall(): NginxInstall | null {
  const r = spawnSync('nginx', ['-V'], { encoding: 'utf8' });
  if (r.error) return null;
  const out = `${r.stdout}${r.stderr}`;
  const version = /nginx version: (\S+)/.exec(out)?.[1] ?? 'nginx (unknown version)';
  const modulesPath = /--modules-path=(\S+)/.exec(out)?.[1] ?? '/usr/lib/nginx/modules';
  const lua = existsSync(join(modulesPath, 'ngx_http_lua_module.so'));
  return { version, modulesPath, lua };
}

/** Versions of the Debian packages behind the peer (for the printed setup). */
export function luaVersions(): string {
  // dpkg-query's own field syntax, not a template placeholder.
  const field = ['$', '{Version}'].join('');
  const v = (pkg: string) => firstLineOf('dpkg-query', ['-W', '-f', field, pkg]) ?? 'unknown';
  return `libnginx-mod-http-lua ${v('libnginx-mod-http-lua')}, LuaJIT ${v('libluajit2-5.1-2')}`;
}

function template(name: string): string {
  return readFileSync(join(TEMPLATES, name), 'utf8');
}

function fill(text: string, fields: Record<string, string>): string {
  const out = text.replace(/\{\{([A-Z_]+)\}\}/g, (m, k: string) => {
    const v = fields[k];
    if (v === undefined) throw new Error(`nginx template field ${m} has no value`);
    return v;
  });
  return out;
}

/** A client id or token the peer's tab-separated credentials file can hold as is. */
function plainField(s: string, what: string): string {
  if (!/^[\x21-\x7e]+$/.test(s)) throw new Error(`${what} must be printable ASCII without spaces`);
  return s;
}

/** nginx.conf for `c` with every path under `prefix`. */
export function renderNginxConfig(c: NginxConfig, install: NginxInstall, prefix: string): string {
  const mods =
    c.kind === 'peer'
      ? [
          // The Lua module needs the Nginx Development Kit loaded first (Debian loads both).
          `load_module ${join(install.modulesPath, 'ndk_http_module.so')};`,
          `load_module ${join(install.modulesPath, 'ngx_http_lua_module.so')};`,
        ].join('\n')
      : '';
  const fields: Record<string, string> = {
    PREFIX: prefix,
    PORT: String(c.port),
    MODULES: mods,
    UPSTREAM_PORT: String(c.upstreamPort ?? 0),
    UPSTREAM_KEEPALIVE: String(c.upstreamKeepalive ?? 64),
    PREFIX_PATH: c.prefixPath ?? '/',
  };
  if (c.kind === 'upstream') {
    const body = c.body ?? '{}';
    // nginx's `return` text interpolates $variables and is single-quoted here.
    if (/['$\\]/.test(body)) throw new Error("the static upstream's body may not hold ', $ or \\");
    fields.BODY = body;
  }
  if (c.kind !== 'upstream' && !/^\/([\w.-]+\/)*$/.test(fields.PREFIX_PATH)) {
    throw new Error(`prefixPath must start and end with / (got ${fields.PREFIX_PATH})`);
  }
  fields.COMMON = fill(template('common.conf'), fields);
  fields.HTTP_COMMON = fill(template('http-common.conf'), fields);
  return fill(template(`${c.kind}.conf`), fields);
}

/** Writes the config (and the peer's credentials file) under `prefix`; returns the config's path. */
export function writeNginxConfig(c: NginxConfig, install: NginxInstall, prefix: string): string {
  mkdirSync(prefix, { recursive: true });
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(conf, renderNginxConfig(c, install, prefix));
  if (c.kind === 'peer') {
    if (!c.clients?.length) throw new Error('the peer needs at least one client');
    const lines = c.clients.map((k) =>
      [
        plainField(k.clientId, 'a client id'),
        createHash('sha256').update(plainField(k.token, 'a token')).digest('base64'),
        String(k.ratePerSecond),
        String(k.burst),
      ].join('\t'),
    );
    writeFileSync(join(prefix, 'clients.tsv'), `${lines.join('\n')}\n`);
  }
  return conf;
}

function nginxArgs(prefix: string): string[] {
  return ['-p', `${prefix}/`, '-c', join(prefix, 'nginx.conf'), '-e', join(prefix, 'error.log')];
}

/** `nginx -t` on the config under `prefix`: ok, and nginx's own words. */
export function nginxTest(prefix: string): { ok: boolean; output: string } {
  const r = spawnSync('nginx', ['-t', ...nginxArgs(prefix)], { encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
}

/** Runs the config under `prefix` pinned to `cpu`; resolves once it listens on `port`. */
export async function startNginx(prefix: string, port: number, cpu: number): Promise<Pinned> {
  const p = spawnPinned(cpu, 'nginx', nginxArgs(prefix), { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    await waitForPort(port, p.child, `nginx (${prefix})`);
  } catch (err) {
    await p.stop();
    const log = existsSync(join(prefix, 'error.log')) ? readFileSync(join(prefix, 'error.log'), 'utf8') : '';
    throw new Error(`${(err as Error).message}\n${log}`);
  }
  // nginx stops at once on SIGTERM (fast shutdown); SIGQUIT would wait for the kept-alive clients.
  return p;
}
