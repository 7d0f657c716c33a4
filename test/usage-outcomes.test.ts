import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AppsWorld, appsWorld, call, createApp, tokenCall } from './apps-helpers.ts';
import { engines, startTestSystem, type TestSystem } from './harness.ts';

/**
 * Issue 29, item 6, through the real app: sandbox calls the network answers 55 (host link down,
 * a scenario account) and 10 (a duplicate RRN) are declines — not successes, not failures — in the
 * app's usage and the organisation's request log, for the developer and the operator alike.
 */
const TITLE_FETCH = {
  TransactionAmount: '000000100000',
  TransmissionDateAndTime: '1123140512',
  STAN: '444666',
  Time: '140512',
  Date: '1123',
  MerchantType: '0003',
  FromBankIMD: '998876',
  RRN: '112314444666',
  CardAcceptorTerminalId: '40260275',
  CardAcceptorIdCode: '402626030259047',
  CardAcceptorNameLocation: {
    Location: 'Karachi',
    City: 'Karachi',
    State: 'Sindh',
    ZipCode: '75500',
    AgentName: 'Agent',
    AgentCity: 'Karachi',
    ADCLiteral: 'ADC',
    BankName: 'Bank',
    Country: 'PK',
  },
  MerchantDetail: '',
  PaymentDetail: '0320 Donations  Charity',
  CurrencyCodeTransaction: '586',
  AccountNumberFrom: '0010000000001',
  AccountNumberTo: '9990000000001002',
  ToBankIMD: '22116600000',
  PAN: '0000000000000',
  ExpiryDate: '0000',
  PosEntMode: '000',
  BeneficiaryBankName: '1Link Model Bank',
  Reserved1: '',
  Reserved2: '',
  Reserved3: '',
};

for (const engine of engines()) {
  describe(`declines are declines (${engine.name})`, () => {
    let sys: TestSystem;
    let w: AppsWorld;
    let appId: string;
    let headers: Record<string, string>;
    const base = () => `/${sys.config.gatewayProvider}/sandbox`;
    before(async () => {
      sys = await startTestSystem({ engine });
      w = await appsWorld(sys);
      const app = await createApp(sys, w.ownerA, w.orgA, { planId: w.plans.ibftGrowth });
      appId = app.appId;
      const t = await tokenCall(sys, {
        grant_type: 'client_credentials',
        client_id: app.clientId,
        client_secret: app.clientSecret,
        scope: '1LinkApi',
      });
      assert.equal(t.status, 200, JSON.stringify(t.body));
      headers = {
        'x-ibm-client-id': app.clientId,
        authorization: `Bearer ${t.body.access_token}`,
        'content-type': 'application/json',
      };
    });
    after(async () => sys.cleanup());

    const post = (path: string, payload: string) =>
      sys.app.inject({ method: 'POST', url: `${base()}${path}`, headers, payload });

    test('55 and 10 count as declined with their codes; 00 approved; a 400 failed — on both consoles', async () => {
      const codes: string[] = [];
      const ok = await post('/path-1', JSON.stringify(TITLE_FETCH));
      codes.push(ok.json().ResponseCode);
      const transfer = {
        ...TITLE_FETCH,
        RRN: '112314444667',
        SenderName: 'TEST SENDER',
        ReferenceNo: 'REF1',
      };
      const ft = await post('/funds-transfer-rest-service/path-1', JSON.stringify(transfer));
      codes.push(ft.json().ResponseCode);
      const dup = await post('/funds-transfer-rest-service/path-1', JSON.stringify(transfer));
      codes.push(dup.json().ResponseCode);
      const down = await post(
        '/path-1',
        JSON.stringify({ ...TITLE_FETCH, RRN: '112314444668', AccountNumberTo: '9990000000000055' }),
      );
      codes.push(down.json().ResponseCode);
      assert.deepEqual(codes, ['00', '00', '10', '55']);
      for (const r of [ok, ft, dup, down]) assert.equal(r.statusCode, 200);
      const bad = await post('/path-1', '{"not json');
      assert.equal(bad.statusCode, 400, bad.body);
      sys.clock.advance(1000); // the usage window ends now (exclusive): step past the calls

      for (const [who, as] of [
        ['developer', w.ownerA],
        ['operator', w.operator],
      ] as const) {
        const u = await call(sys, as, 'GET', `/api/v1/orgs/${w.orgA}/apps/${appId}/usage`);
        assert.equal(u.status, 200, `${who}: ${u.raw}`);
        assert.deepEqual(
          {
            calls: u.body.calls,
            approved: u.body.approved,
            declined: u.body.declined,
            failed: u.body.failed,
          },
          { calls: 5, approved: 2, declined: 2, failed: 1 },
          who,
        );
        // The old field no longer hides declines as successes: it is the failed count.
        assert.equal(u.body.errors, 1, who);
        assert.deepEqual(
          u.body.declines
            .map((d: { networkCode: string; operationId: string; calls: number }) =>
              [d.operationId, d.networkCode, d.calls].join(' '),
            )
            .sort(),
          ['ibftFundsTransfer 10 1', 'ibftTitleFetch 55 1'],
          who,
        );
        const declined = await call(sys, as, 'GET', `/api/v1/orgs/${w.orgA}/request-logs?outcome=declined`);
        assert.equal(declined.status, 200, declined.raw);
        assert.deepEqual(
          declined.body.items.map((i: { networkCode: string }) => i.networkCode).sort(),
          ['10', '55'],
          who,
        );
        assert.ok(
          declined.body.items.every(
            (i: { outcome: string; status: number }) => i.outcome === 'declined' && i.status === 200,
          ),
        );
        const failed = await call(sys, as, 'GET', `/api/v1/orgs/${w.orgA}/request-logs?outcome=failed`);
        assert.deepEqual(
          failed.body.items.map((i: { status: number }) => i.status),
          [400],
          who,
        );
        // status=error keeps its meaning (HTTP ≥ 400).
        const errors = await call(sys, as, 'GET', `/api/v1/orgs/${w.orgA}/request-logs?status=error`);
        assert.deepEqual(
          errors.body.items.map((i: { status: number }) => i.status),
          [400],
          who,
        );
        const series = await call(sys, as, 'GET', `/api/v1/orgs/${w.orgA}/usage/timeseries?appId=${appId}`);
        assert.equal(series.status, 200, series.raw);
        const sum = (k: string) =>
          series.body.points.reduce((n: number, p: Record<string, number>) => n + p[k], 0);
        assert.deepEqual([sum('approved'), sum('declined'), sum('failed')], [2, 2, 1], who);
      }
      const badFilter = await call(sys, w.ownerA, 'GET', `/api/v1/orgs/${w.orgA}/request-logs?outcome=maybe`);
      assert.equal(badFilter.status, 400, badFilter.raw);
      // Another organisation's owner sees none of it.
      const other = await call(sys, w.ownerB, 'GET', `/api/v1/orgs/${w.orgA}/request-logs?outcome=declined`);
      assert.equal(other.status, 404, other.raw);
    });
  });
}
