import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { engines, startTestSystem, type TestSystem } from './harness.ts';
import { activeUser, operatorUser } from './identity-helpers.ts';

const URL = '/api/v1/admin/audit/verification';

for (const engine of engines()) {
  describe(`getAuditVerification on ${engine.name}`, () => {
    let sys: TestSystem;
    before(async () => {
      sys = await startTestSystem({ engine });
    });
    after(() => sys.cleanup());

    test('operators read the stored verification state', async () => {
      const op = await operatorUser(sys);
      const res = await sys.app.inject({ url: URL, headers: op.headers });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.equal(typeof body.intact, 'boolean');
      assert.equal(body.firstDamage, null);
    });

    test('developers get 403, anonymous callers 401', async () => {
      const dev = await activeUser(sys);
      assert.equal((await sys.app.inject({ url: URL, headers: dev.headers })).statusCode, 403);
      assert.equal((await sys.app.inject({ url: URL })).statusCode, 401);
    });
  });
}
