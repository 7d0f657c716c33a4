import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock } from '../../platform/clock.ts';
import { openSqlite } from '../../platform/db/database.ts';
import { migrateToLatest } from '../../platform/db/migrator.ts';
import { createKeyring } from '../../platform/master-key.ts';
import type { NetworkCallContext, NetworkOperation } from '../gateway/index.ts';
import { migrations } from './migrations.ts';
import { SandboxService } from './sandbox-service.ts';
import type { SandboxTables } from './tables.ts';

/**
 * The simulated production upstream (`darwaza upstream`, issue 35): a separate process that serves
 * the sandbox's own product handlers over HTTP/1.1 at their operation paths (`POST /path-1`, …),
 * so the gateway's production path (an undici pool per upstream) runs end to end on one machine.
 *
 * It keeps its worlds in an in-memory SQLite database of its own (a restart starts them afresh)
 * and signs with a key pair generated at start. Who is calling arrives in headers the gateway
 * adds: `x-darwaza-org-id` (the world; default `production`), `x-darwaza-app-id` and
 * `x-darwaza-app-key` (the app's public key, base64 of its PEM, for the bills' HASH check).
 *
 * For tests and drills it also answers, under `/_sim/`: `GET /_sim/hits` (calls per operationId
 * since start) and `POST /_sim/faults` `{ "next": n, "answer": "reset" | 503 }` (the next n
 * operation calls are answered so). Bound to 127.0.0.1 unless told otherwise: it is a development
 * tool, not a network.
 */
export type UpstreamSimulatorOptions = {
  port: number;
  host?: string;
  /** Delay of the lost-answer (time-out) scenarios (default 2000 ms, at most 3000). */
  timeoutDelayMs?: number;
};

export type UpstreamSimulator = {
  url: string;
  port: number;
  /** Calls per operationId since start (faults included). */
  hits(): Record<string, number>;
  close(): Promise<void>;
};

const MAX_REQUEST_BYTES = 256 * 1024;

export async function startUpstreamSimulator(o: UpstreamSimulatorOptions): Promise<UpstreamSimulator> {
  const database = openSqlite<SandboxTables>(':memory:');
  await migrateToLatest(database.db, [migrations]);
  const service = new SandboxService({
    db: database.db,
    clock: systemClock,
    keyring: createKeyring(randomBytes(32)),
    audit: { record: async () => '' },
    timeoutDelayMs: o.timeoutDelayMs,
  });
  await service.signer.ensure();
  const routes = new Map<string, NetworkOperation>();
  for (const op of service.operations) routes.set(`${op.method} ${op.path}`, op);
  const hits: Record<string, number> = {};
  const faults = { next: 0, answer: 503 as 'reset' | 503 };

  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    void handle(req, res).catch((err: Error) => {
      if (!res.headersSent) send(res, 500, { error: 'simulator_failed', message: err.message });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://upstream');
    if (url.pathname.startsWith('/_sim/')) return control(req, res, url.pathname);
    const op = routes.get(`${req.method} ${url.pathname}`);
    const text = await readBody(req);
    if (!op) return send(res, 404, { error: 'unknown_operation', path: url.pathname });
    hits[op.operationId] = (hits[op.operationId] ?? 0) + 1;
    if (faults.next > 0) {
      faults.next--;
      if (faults.answer === 'reset') return void req.socket.destroy();
      return send(res, 503, { error: 'simulated_outage' });
    }
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      return send(res, 400, { error: 'bad_json' });
    }
    const result = await op.handle(contextOf(req, url, body));
    send(res, result.status, result.body ?? null);
  }

  async function control(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const text = await readBody(req);
    if (req.method === 'GET' && path === '/_sim/hits') return send(res, 200, hits);
    if (req.method === 'POST' && path === '/_sim/faults') {
      const f = JSON.parse(text || '{}') as { next?: number; answer?: 'reset' | 503 };
      faults.next = Math.max(0, Math.trunc(f.next ?? 0));
      faults.answer = f.answer === 'reset' ? 'reset' : 503;
      return send(res, 200, faults);
    }
    send(res, 404, { error: 'unknown_control' });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${o.host ?? '127.0.0.1'}:${port}`,
    port,
    hits: () => ({ ...hits }),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await database.close();
    },
  };
}

const keyPems = new Map<string, string>();

/** The call as the sandbox handlers take it, from the gateway's identity headers. */
function contextOf(req: IncomingMessage, url: URL, body: unknown): NetworkCallContext {
  const h = req.headers;
  const key = typeof h['x-darwaza-app-key'] === 'string' ? h['x-darwaza-app-key'] : null;
  let pem: string | null = null;
  if (key) {
    pem = keyPems.get(key) ?? null;
    if (pem === null) {
      pem = Buffer.from(key, 'base64').toString('utf8');
      if (keyPems.size > 1000) keyPems.clear();
      keyPems.set(key, pem);
    }
  }
  return {
    orgId: typeof h['x-darwaza-org-id'] === 'string' ? h['x-darwaza-org-id'] : 'production',
    appId: typeof h['x-darwaza-app-id'] === 'string' ? h['x-darwaza-app-id'] : 'app_upstream',
    appPublicKeyPem: pem,
    body,
    query: Object.fromEntries(url.searchParams),
    headers: h,
    requestId: typeof h['x-request-id'] === 'string' ? h['x-request-id'] : 'req_upstream',
    nowMs: Date.now(),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_REQUEST_BYTES) {
        req.destroy();
        reject(new Error('request body too large'));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
