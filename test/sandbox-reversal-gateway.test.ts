import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { GROWTH_PLAN_NAME } from '../src/modules/catalog/index.ts';
import type { CallRecord } from '../src/modules/gateway/index.ts';
import { followUpBody, ibftBody } from '../src/modules/sandbox/test-support.ts';
import { type AppsWorld, appsWorld, createApp, tokenCall } from './apps-helpers.ts';
import { engines, startTestSystem, type TestSystem } from './harness.ts';

/**
 * Issue 34 behind the real gateway: a completed transfer, then 50 concurrent reversals — once all
 * with one shared Idempotency-Key (one execution, the others replay it or are told the first is
 * still running: 409), once each with its own key and RRN (one 00, 49 × 35) — undo it exactly
 * once; the status inquiry then says REVERSED. On both engines.
 */
for (const engine of engines()) {
  describe(`IBFT reversal through the gateway (${engine.name})`, () => {
    let sys: TestSystem;
    let w: AppsWorld;
    let headers: Record<string, string>;
    const base = () => `/${sys.config.gatewayProvider}/sandbox`;
    /** An app of organisation A on the Growth plan (50 calls a second): one for each burst of 50. */
    const appHeaders = async (): Promise<Record<string, string>> => {
      const app = await createApp(sys, w.ownerA, w.orgA, { planId: w.plans.ibftGrowth });
      const t = await tokenCall(sys, {
        grant_type: 'client_credentials',
        client_id: app.clientId,
        client_secret: app.clientSecret,
        scope: '1LinkApi',
      });
      assert.equal(t.status, 200, JSON.stringify(t.body));
      return {
        'x-ibm-client-id': app.clientId,
        authorization: `Bearer ${t.body.access_token}`,
        'content-type': 'application/json',
      };
    };
    before(async () => {
      sys = await startTestSystem({ engine });
      w = await appsWorld(sys);
      headers = await appHeaders();
    });
    after(async () => sys.cleanup());

    const post = (path: string, payload: unknown, extra: Record<string, string> = {}, as = headers) =>
      sys.app.inject({
        method: 'POST',
        url: `${base()}${path}`,
        headers: { ...as, ...extra },
        payload: JSON.stringify(payload),
      });
    const balanceOf = async (no: string) => {
      const a = await sys.services.sandbox.service.store.findAccount(w.orgA, '221166', no);
      return a!.balance;
    };

    test('1QR through the gateway: a third-party request gets 0000 and its payload, which parseQRCode reads back', async () => {
      const plan = (await sys.services.catalog.findPlanByName('1qr', GROWTH_PLAN_NAME))!;
      const app = await createApp(sys, w.ownerA, w.orgA, { planId: plan.id });
      const t = await tokenCall(sys, {
        grant_type: 'client_credentials',
        client_id: app.clientId,
        client_secret: app.clientSecret,
        scope: '1LinkApi',
      });
      const qrHeaders = {
        'x-ibm-client-id': app.clientId,
        authorization: `Bearer ${t.body.access_token}`,
        'content-type': 'application/json',
      };
      const request = JSON.parse(
        readFileSync(join(import.meta.dirname, 'fixtures', '1qr', 'dynamic-rupees.json'), 'utf8'),
      );
      const r = await post('/qr-rest-service/getQRCode', request, {}, qrHeaders);
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(r.json().ResponseCode, '0000', r.body);
      assert.match(r.json().QRString, /^000201010212.*6304[0-9A-F]{4}$/);
      const p = await post('/qr-rest-service/parseQRCode', { QRString: r.json().QRString }, {}, qrHeaders);
      assert.equal(p.json().QRData.TransactionAmount, '000000250000', p.body);
    });

    for (const sharedKey of [true, false]) {
      test(`50 concurrent reversals ${sharedKey ? 'with one shared' : 'each with its own'} Idempotency-Key: one effect`, async () => {
        const from = '9990000000001002';
        const to = '9990000000001003';
        const t = ibftBody({
          TransactionAmount: '000000030000',
          FromBankIMD: '221166',
          AccountNumberFrom: from,
          AccountNumberTo: to,
        });
        const ft = await post('/funds-transfer-rest-service/path-1', t);
        assert.equal(ft.statusCode, 200, ft.body);
        assert.equal(ft.json().ResponseCode, '00', ft.body);
        const [from1, to1] = [await balanceOf(from), await balanceOf(to)];
        const shared = followUpBody(t);
        const key = `rev-${t.RRN}`;
        const burst = await appHeaders();
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            sharedKey
              ? post('/funds-transfer-rest-service/reversal', shared, { 'idempotency-key': key }, burst)
              : post(
                  '/funds-transfer-rest-service/reversal',
                  followUpBody(t),
                  { 'idempotency-key': `${key}-${i}` },
                  burst,
                ),
          ),
        );
        const answered = results.filter((r) => r.statusCode === 200).map((r) => r.json().ResponseCode);
        const other = results.filter((r) => r.statusCode !== 200).map((r) => r.statusCode);
        assert.ok(
          other.every((s) => s === 409),
          `only 409 in progress besides 200: ${other.join()}`,
        );
        if (sharedKey) {
          // Every answered one is the one execution (or its replay): all 00, one effect.
          assert.ok(
            answered.every((c) => c === '00'),
            answered.join(),
          );
        } else {
          assert.deepEqual(other, []);
          assert.equal(answered.filter((c) => c === '00').length, 1, answered.join());
          assert.equal(answered.filter((c) => c === '35').length, 49, answered.join());
        }
        assert.equal(await balanceOf(from), from1 + 30000);
        assert.equal(await balanceOf(to), to1 - 30000);
        const seen: CallRecord[] = [];
        const sub = sys.services.gateway!.callRecords.subscribe((batch) => {
          seen.push(...batch);
        });
        const q = await post('/funds-transfer-rest-service/status-inquiry', followUpBody(t));
        assert.equal(q.statusCode, 200, q.body);
        assert.equal(q.json().TransactionStatus, 'REVERSED', q.body);
        assert.equal(q.json().OriginalRRN, t.RRN);
        // The per-call record off-path consumers see links the inquiry to its transfer.
        sys.services.gateway!.callRecords.flush();
        await new Promise((r) => setImmediate(r));
        sub.unsubscribe();
        const rec = seen.find((r) => r.operationId === 'ibftStatusInquiry');
        assert.ok(rec, 'the inquiry has a call record');
        assert.equal(rec.refs.originalRrn, t.RRN);
        assert.equal(rec.refs.originalStan, t.STAN);
        assert.match(rec.refs.originalAuthId ?? '', /^\d{6}$/);
      });
    }
  });
}
