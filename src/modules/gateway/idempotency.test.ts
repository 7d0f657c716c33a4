import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { testSharedStates } from '../../platform/testing.ts';
import type { GatewayError } from './gateway-errors.ts';
import { Idempotency } from './idempotency.ts';

for (const s of testSharedStates()) {
  describe(`Idempotency on ${s.name}`, async () => {
    const state = await s.open();
    after(() => state.close());
    const idem = new Idempotency(state);
    const fp = Idempotency.fingerprint('POST', '/p', { a: 1 });

    it('first proceeds, retry in flight → 409, after completion → replay, other body → 422', async () => {
      const first = await idem.begin('app_1', 'k-1', fp);
      assert.equal(first.kind, 'proceed');
      await assert.rejects(idem.begin('app_1', 'k-1', fp), (e: GatewayError) => e.status === 409);
      await assert.rejects(
        idem.begin('app_1', 'k-1', Idempotency.fingerprint('POST', '/p', { a: 2 })),
        (e: GatewayError) => e.status === 422,
      );
      if (first.kind !== 'proceed') return;
      await idem.complete(first.key, fp, { status: 200, body: '{"ok":1}', networkCode: '00' });
      const again = await idem.begin('app_1', 'k-1', fp);
      assert.deepEqual(again, {
        kind: 'replay',
        response: { status: 200, body: '{"ok":1}', networkCode: '00' },
      });
      await assert.rejects(
        idem.begin('app_1', 'k-1', Idempotency.fingerprint('POST', '/p', { a: 2 })),
        (e: GatewayError) => e.status === 422,
      );
    });

    it('keys are scoped per app', async () => {
      assert.equal((await idem.begin('app_x', 'shared', fp)).kind, 'proceed');
      assert.equal((await idem.begin('app_y', 'shared', fp)).kind, 'proceed');
    });

    it('a 5xx releases the key', async () => {
      const b = await idem.begin('app_1', 'k-5xx', fp);
      assert.equal(b.kind, 'proceed');
      if (b.kind === 'proceed') await idem.complete(b.key, fp, { status: 502, body: '{}' });
      assert.equal((await idem.begin('app_1', 'k-5xx', fp)).kind, 'proceed');
    });

    it('50 concurrent first attempts: exactly one proceeds', async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, () => idem.begin('app_c', 'k-c', fp)),
      );
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    });

    it('rejects a malformed key', async () => {
      await assert.rejects(
        idem.begin('app_1', 'bad key with spaces', fp),
        (e: GatewayError) => e.status === 400,
      );
    });
  });
}
