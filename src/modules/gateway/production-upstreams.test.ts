import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../platform/logger.ts';
import { MemorySharedState } from '../../platform/shared-state/memory-shared-state.ts';
import type { UpstreamDirectory, UpstreamSettings } from './ports.ts';
import { ProductionUpstreams } from './production-upstreams.ts';

const settings = (baseUrl: string, version: string): UpstreamSettings => ({
  productSlug: 'ibft',
  baseUrl,
  connectTimeoutMs: 200,
  responseTimeoutMs: 500,
  maxResponseBytes: 1024,
  headerAllowList: [],
  tls: null,
  enabled: true,
  version,
});

describe('production upstreams: settings refresh', () => {
  it('a change announced while a read is under way is read again after it (not lost to the timer)', async () => {
    let stored = [settings('http://127.0.0.1:1', '1')];
    const gate = { release: (): void => {} };
    const directory: UpstreamDirectory = {
      async listUpstreamSettings() {
        // The read takes what is stored now, and answers only when released.
        const snapshot = stored;
        await new Promise<void>((r) => {
          gate.release = r;
        });
        return snapshot;
      },
    };
    const state = new MemorySharedState();
    const u = new ProductionUpstreams({
      directory,
      sharedState: state,
      log: createLogger('silent'),
      refreshMs: 3_600_000,
    });
    const started = u.start();
    await new Promise((r) => setTimeout(r, 10));
    // The change commits while the first read (of the old settings) is still out, then is announced.
    stored = [settings('http://127.0.0.1:2', '2')];
    const again = u.refresh();
    gate.release();
    await new Promise((r) => setTimeout(r, 10));
    gate.release();
    await Promise.all([started, again]);
    assert.equal(u.health()[0]?.baseUrl, 'http://127.0.0.1:2');
    await u.close();
    await state.close();
  });
});
