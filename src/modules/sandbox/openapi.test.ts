import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { testEngines } from '../../platform/testing.ts';
import type { NetworkResult } from '../gateway/index.ts';
import { sandboxProducts } from './openapi.ts';
import { BILL_SIGNED_FIELDS } from './products/bills.ts';
import { signingString, signWithKey } from './signing.ts';
import { appKeys, billBody, ibftBody, openSandbox, type SandboxFixture } from './test-support.ts';

/**
 * The products' OpenAPI documents are valid JSON Schema where it matters, their examples validate
 * and work in the sandbox, and every response the sandbox produces validates against them.
 */
/** The parts of a JSON media object the tests read. */
type Media = {
  schema: { $ref: string };
  example: Record<string, string>;
  examples: Record<string, { value: Record<string, string> }>;
};
type Operation = {
  operationId: string;
  requestBody: { content: { 'application/json': Media } };
  responses: Record<string, { content: { 'application/json': Media } }>;
};
type Doc = {
  openapi: string;
  paths: Record<string, { post: Operation }>;
  components: { schemas: Record<string, object> };
};
/** An ajv validator: its errors are those of the last value it checked. */
type Validator = ((v: unknown) => boolean) & { errors?: unknown };

const ajv = new Ajv2020({ strict: true, allErrors: true, strictTypes: false });
ajv.addKeyword('example');
// The gateway's error schemas use uri, int32 and int64 (formats ajv-formats checks).
addFormats.default(ajv);
const validators = new Map<string, Validator>();
const byOperation = new Map<string, { request: Validator; response: Validator; op: Operation }>();
for (const p of sandboxProducts) {
  const doc = p.openapi as Doc;
  for (const [name, schema] of Object.entries(doc.components.schemas))
    validators.set(name, ajv.compile(schema));
  for (const item of Object.values(doc.paths)) {
    const op = item.post;
    const ref = (c: Media) => validators.get(String(c.schema.$ref).split('/').pop()!)!;
    byOperation.set(op.operationId, {
      op,
      request: ref(op.requestBody.content['application/json']),
      response: ref(op.responses['200'].content['application/json']),
    });
  }
}

function assertValid(operationId: string, r: NetworkResult) {
  const v = byOperation.get(operationId)!.response;
  assert.ok(
    v(r.body),
    `${operationId} response does not match its schema: ${JSON.stringify(v.errors)} in ${JSON.stringify(r.body)}`,
  );
}

describe('OpenAPI documents', () => {
  test('one 3.1 document per product with their operations', () => {
    assert.deepEqual(
      sandboxProducts.map((p) => p.slug),
      ['ibft', 'bills', '1qr'],
    );
    for (const p of sandboxProducts) assert.equal((p.openapi as Doc).openapi, '3.1.0');
    assert.deepEqual([...byOperation.keys()].sort(), [
      'billInquiry',
      'billPayment',
      'ibftFundsTransfer',
      'ibftReversal',
      'ibftStatusInquiry',
      'ibftTitleFetch',
      'qrGetCode',
      'qrParseCode',
      'voidBillPayment',
    ]);
  });

  test('examples validate against their schemas', () => {
    for (const [id, o] of byOperation) {
      const content = o.op.requestBody.content['application/json'];
      assert.ok(o.request(content.example), `${id} request example`);
      for (const [name, ex] of Object.entries(o.op.responses['200'].content['application/json'].examples)) {
        assert.ok(
          o.response(ex.value),
          `${id} response example ${name}: ${JSON.stringify(o.response.errors)}`,
        );
      }
    }
  });
});

for (const engine of testEngines()) {
  describe(`responses match the documents (${engine.name})`, () => {
    let fx: SandboxFixture;
    before(async () => {
      fx = await openSandbox(engine, { timeoutDelayMs: 1 });
    });
    after(async () => fx.cleanup());

    test('request examples work in a fresh sandbox', async () => {
      const org = 'org_examples';
      for (const id of [
        'ibftTitleFetch',
        'ibftFundsTransfer',
        'billInquiry',
        'billPayment',
        'voidBillPayment',
      ]) {
        const o = byOperation.get(id)!;
        const body = { ...o.op.requestBody.content['application/json'].example };
        if (body.HASH)
          body.HASH = signWithKey(
            appKeys.privatePem,
            signingString(body, BILL_SIGNED_FIELDS[id as keyof typeof BILL_SIGNED_FIELDS]),
          );
        const r = await fx.call(id, body, { orgId: org });
        assertValid(id, r);
        const b = r.body as Record<string, string>;
        assert.equal(b.ResponseCode, '00', `${id}: ${b.ResponseDetail}`);
        const ok = o.op.responses['200'].content['application/json'].examples.ok.value;
        assert.deepEqual(Object.keys(b).sort(), Object.keys(ok).sort(), id);
        if (id === 'ibftTitleFetch') assert.equal(b.AccountTitleTo, ok.AccountTitleTo);
      }
    });

    test('scenario and error responses validate', async () => {
      const org = 'org_schema';
      const data = await fx.sandbox.service.testData(org);
      let n = 0;
      for (const a of data.accounts) {
        for (const sc of [a.scenario, ...a.moreScenarios]) {
          for (const op of sc.operations) {
            const body =
              sc.use === 'sender'
                ? ibftBody({
                    FromBankIMD: a.imd,
                    AccountNumberFrom: a.accountNumber,
                    TransactionAmount: sc.amount,
                  })
                : ibftBody({
                    AccountNumberTo: a.iban ?? a.accountNumber,
                    ToBankIMD: a.imd,
                    TransactionAmount: sc.amount,
                  });
            assertValid(op, await fx.call(op, body, { orgId: org }));
            n++;
          }
        }
      }
      let auth = 700000;
      for (const bill of data.bills) {
        const base = { CompanyCode: bill.companyCode, ConsumerNo: bill.consumerNo };
        assertValid(
          'billInquiry',
          await fx.call('billInquiry', billBody('billInquiry', base), { orgId: org }),
        );
        const pay = billBody('billPayment', {
          ...base,
          AuthID: String(auth),
          TransactionAmount: bill.scenario.amount ?? bill.amountWithinDueDate,
        });
        assertValid('billPayment', await fx.call('billPayment', pay, { orgId: org }));
        assertValid(
          'voidBillPayment',
          await fx.call('voidBillPayment', billBody('voidBillPayment', { ...base, AuthID: String(auth++) }), {
            orgId: org,
          }),
        );
        n += 3;
      }
      const junk: unknown[] = [null, 'not json', [], 42, {}, { STAN: 5 }, { STAN: '1'.repeat(500) }];
      for (const id of byOperation.keys()) {
        for (const body of junk) {
          assertValid(id, await fx.call(id, body, { orgId: org }));
          n++;
        }
      }
      assert.ok(n > 200);
    });
  });
}
