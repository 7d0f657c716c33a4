import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemorySharedState } from '../../platform/shared-state/memory-shared-state.ts';
import { DirectoryCache } from './directory-cache.ts';
import { FakeDirectory } from './testing.ts';

describe('DirectoryCache', () => {
  it('serves repeats from memory and shares one lookup between concurrent misses', async () => {
    const dir = new FakeDirectory();
    dir.addApp({ appId: 'app_a', clientId: 'ca', orgId: 'org_a' }, { token: 'ta' });
    const c = new DirectoryCache(dir);
    await Promise.all([c.app('ca'), c.app('ca'), c.app('ca')]);
    await c.app('ca');
    assert.equal(dir.lookups, 1);
  });

  it('expires entries after the TTL (5 s) and "not found" after 1 s', async () => {
    let now = 0;
    const dir = new FakeDirectory();
    const c = new DirectoryCache(dir, { now: () => now });
    assert.equal(await c.app('later'), null);
    dir.addApp({ appId: 'app_l', clientId: 'later', orgId: 'org_l' });
    now = 500;
    assert.equal(await c.app('later'), null);
    now = 1100;
    assert.equal((await c.app('later'))?.appId, 'app_l');
    dir.apps.set('later', { ...dir.apps.get('later')!, status: 'suspended' });
    now = 5000;
    assert.equal((await c.app('later'))?.status, 'active');
    now = 6200;
    assert.equal((await c.app('later'))?.status, 'suspended');
  });

  it('answers without a promise only from settled, unexpired, uninvalidated entries', async () => {
    let now = 0;
    const dir = new FakeDirectory();
    dir.addApp({ appId: 'app_a', clientId: 'ca', orgId: 'org_a' }, { token: 'ta' });
    const c = new DirectoryCache(dir, { now: () => now });
    assert.equal(c.appNow('ca'), undefined, 'never looked up');
    const pending = c.app('ca');
    assert.equal(c.appNow('ca'), undefined, 'lookup still running');
    await pending;
    assert.equal(c.appNow('ca')?.appId, 'app_a');
    assert.equal(c.appNow('unknown'), undefined);
    await c.app('unknown');
    assert.equal(c.appNow('unknown'), null, 'a settled "not found" is an answer too');
    await c.token('ta', 0);
    await c.entitlement('app_a', 'ibft', 0);
    assert.equal(c.tokenNow('ta')?.appId, 'app_a');
    assert.equal(c.entitlementNow('app_a', 'ibft')?.status, 'active');
    now = 5001;
    assert.equal(c.appNow('ca'), undefined, 'expired');
    now = 0;
    c.invalidate({ kind: 'app', id: 'app_a' });
    assert.equal(c.tokenNow('ta'), undefined, 'invalidated');
    assert.equal(c.entitlementNow('app_a', 'ibft'), undefined);
  });

  it('a token entry lives no longer than the token', async () => {
    let now = 0;
    const dir = new FakeDirectory();
    dir.addApp({ appId: 'app_a', clientId: 'ca', orgId: 'org_a' }, { token: 'ta', expiresAtMs: 2000 });
    const c = new DirectoryCache(dir, { now: () => now });
    await c.token('ta', 0);
    dir.tokens.delete('ta');
    now = 1500;
    assert.ok(await c.token('ta', 1500));
    now = 2500;
    assert.equal(await c.token('ta', 2500), null);
  });

  it('invalidation messages on the bus drop the app’s entries at once', async () => {
    const state = new MemorySharedState();
    const dir = new FakeDirectory();
    dir.addApp({ appId: 'app_a', clientId: 'ca', orgId: 'org_a' }, { token: 'ta' });
    dir.addApp({ appId: 'app_b', clientId: 'cb', orgId: 'org_b' }, { token: 'tb' });
    const c = new DirectoryCache(dir);
    await c.start(state);
    await c.app('ca');
    await c.app('cb');
    await c.entitlement('app_a', 'ibft', 0);
    const before = dir.lookups;
    await state.publish(
      'cache-invalidate',
      JSON.stringify({ kind: 'subscription', id: 'sub_x', appId: 'app_a' }),
    );
    await new Promise((r) => setImmediate(r));
    await c.app('cb');
    assert.equal(dir.lookups, before, 'another app stays cached');
    await c.app('ca');
    await c.entitlement('app_a', 'ibft', 0);
    assert.equal(dir.lookups, before + 2);
    await state.publish('cache-invalidate', JSON.stringify({ kind: 'plan', id: 'pln_1' }));
    await new Promise((r) => setImmediate(r));
    await c.app('cb');
    assert.equal(dir.lookups, before + 3, 'a plan change clears everything');
    await c.stop();
    await state.close();
  });
});
