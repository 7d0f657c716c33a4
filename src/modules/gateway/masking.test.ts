import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maskedJson } from './masking.ts';

describe('maskedJson', () => {
  it('masks secrets and identifiers, keeps amounts and codes', () => {
    const out = JSON.parse(
      maskedJson({
        client_secret: 's3cr3t',
        HASH: 'abc',
        FromAccount: '00020000012345678',
        ToIBAN: 'PK36SCBL0000001123456702',
        CNIC: '35202-1234567-1',
        MobileNo: '03001234567',
        Amount: '000000010000',
        STAN: '123456',
        ResponseCode: '00',
        note: 'pay PK36SCBL0000001123456702 from card 4111111111111111 cnic 3520212345671',
        nested: [{ cardNumber: '5555444433331111' }],
      })!,
    );
    assert.equal(out.client_secret, '[redacted]');
    assert.equal(out.HASH, '[redacted]');
    assert.equal(out.FromAccount.slice(-4), '5678');
    assert.ok(!out.FromAccount.includes('00020000012345678'));
    assert.ok(out.ToIBAN.endsWith('6702') && out.ToIBAN.startsWith('*'));
    assert.ok(out.CNIC.startsWith('*'));
    assert.ok(out.MobileNo.startsWith('*'));
    assert.equal(out.Amount, '000000010000');
    assert.equal(out.STAN, '123456');
    assert.equal(out.ResponseCode, '00');
    assert.ok(!out.note.includes('4111111111111111'));
    assert.ok(!out.note.includes('SCBL0000001123456702'));
    assert.ok(!out.note.includes('3520212345671'));
    assert.ok(out.nested[0].cardNumber.endsWith('1111'));
  });
  it('cuts long bodies and handles null', () => {
    assert.equal(maskedJson(null), null);
    assert.ok(maskedJson({ x: 'a'.repeat(100) }, 20)!.endsWith('…'));
  });
});
