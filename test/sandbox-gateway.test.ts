import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BILL_SIGNED_FIELDS } from '../src/modules/sandbox/products/bills.ts';
import { signingString, signWithKey } from '../src/modules/sandbox/signing.ts';
import { appKeys } from '../src/modules/sandbox/test-support.ts';
import { type AppsWorld, appsWorld, call, createApp, tokenCall } from './apps-helpers.ts';
import { engines, startTestSystem, type TestSystem } from './harness.ts';

/**
 * The sandbox behind the real gateway: a registered app takes a token and calls IBFT and 1Bill
 * with 1LINK-shaped bodies (only the base URL and credentials differ from 1LINK's sandbox).
 */
const THIRD_PARTY_TITLE_FETCH = {
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
  describe(`sandbox through the gateway (${engine.name})`, () => {
    let sys: TestSystem;
    let w: AppsWorld;
    let headers: Record<string, string>;
    let wired = true;
    const base = () => `/${sys.config.gatewayProvider}/sandbox`;
    before(async () => {
      sys = await startTestSystem({ engine });
      const probe = await sys.app.inject({ method: 'POST', url: `${base()}/path-1`, payload: {} });
      wired = probe.statusCode !== 404 || probe.json().error?.code !== 'route_not_found';
      if (!wired) return;
      w = await appsWorld(sys);
      const app = await createApp(sys, w.ownerA, w.orgA, { planId: w.plans.ibftGrowth });
      const s = await call(sys, w.ownerA, 'POST', `/api/v1/orgs/${w.orgA}/apps/${app.appId}/subscriptions`, {
        planId: w.plans.billsDefault,
      });
      assert.equal(s.status, 201, s.raw);
      const k = await call(sys, w.ownerA, 'PATCH', `/api/v1/orgs/${w.orgA}/apps/${app.appId}`, {
        publicKeyPem: appKeys.publicPem,
      });
      assert.equal(k.status, 200, k.raw);
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
        accept: 'application/json',
      };
    });
    after(async () => sys.cleanup());

    const post = (path: string, payload: unknown) =>
      sys.app.inject({ method: 'POST', url: `${base()}${path}`, headers, payload: JSON.stringify(payload) });

    test('a 1LINK-shaped title fetch and transfer work unchanged', async (t) => {
      if (!wired) return t.skip('gateway not wired into main.ts yet');
      const tf = await post('/path-1', THIRD_PARTY_TITLE_FETCH);
      assert.equal(tf.statusCode, 200, tf.body);
      assert.equal(tf.json().ResponseCode, '00', tf.body);
      assert.ok(tf.json().AccountTitleTo);
      const ft = await post('/funds-transfer-rest-service/path-1', {
        ...THIRD_PARTY_TITLE_FETCH,
        RRN: '112314444667',
        AuthorizationIdentificationResponse: tf.json().AuthorizationIdentificationResponse,
        SenderName: 'TEST SENDER',
        SenderIBAN: 'DE89370400440532013000',
        AccountTitle: tf.json().AccountTitleTo,
        RTPID: '',
        ReferenceNo: 'REF1',
      });
      assert.equal(ft.statusCode, 200, ft.body);
      assert.equal(ft.json().ResponseCode, '00', ft.body);
      const dup = await post('/funds-transfer-rest-service/path-1', {
        ...THIRD_PARTY_TITLE_FETCH,
        RRN: '112314444667',
      });
      assert.equal(dup.json().ResponseCode, '10');
    });

    test('a signed bill inquiry works; live data is refused; bad JSON is a 4xx', async (t) => {
      if (!wired) return t.skip('gateway not wired into main.ts yet');
      const body: Record<string, string> = {
        ClientID: 'DARWAZA1',
        ChannelID: '00000003',
        STAN: '444666',
        RRN: '112311290001',
        CompanyCode: 'DELEC001',
        ConsumerNo: '9900100001',
        Reserved1: '',
        Reserved2: '',
      };
      body.HASH = signWithKey(appKeys.privatePem, signingString(body, BILL_SIGNED_FIELDS.billInquiry));
      const r = await post('/bill-inquiry-rest-service/billinquiry', body);
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(r.json().ResponseCode, '00', r.body);
      assert.equal(r.json().BillStatus, 'U');
      const live = await post('/path-1', {
        ...THIRD_PARTY_TITLE_FETCH,
        RRN: '112314444668',
        AccountNumberTo: 'PK36SCBL0000001123456702',
      });
      assert.equal(live.json().ResponseCode, '94');
      const bad = await sys.app.inject({
        method: 'POST',
        url: `${base()}/path-1`,
        headers,
        payload: '{"STAN": ',
      });
      assert.ok(bad.statusCode >= 400 && bad.statusCode < 500, `${bad.statusCode}`);
    });
  });
}
