import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ALL_BANKS } from './banks.ts';
import {
  cannotBeLive,
  classify,
  isValidIban,
  liveDataFinding,
  luhnValid,
  makeIban,
  RESERVED,
  withLuhn,
} from './identifiers.ts';
import { DEFAULT_WORLD_SEED, generateWorld } from './world.ts';

/** An independent IBAN check (ISO 13616 / ISO 7064 mod 97-10) using BigInt, for the generator. */
function independentIbanValid(iban: string): boolean {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(iban)) return false;
  if (iban.startsWith('PK') && iban.length !== 24) return false;
  const moved = iban.slice(4) + iban.slice(0, 4);
  const digits = [...moved].map((c) => (/[A-Z]/.test(c) ? String(c.charCodeAt(0) - 55) : c)).join('');
  return BigInt(digits) % 97n === 1n;
}

const DAY = Date.UTC(2026, 10, 23);

describe('identifiers', () => {
  test('published test vectors', () => {
    for (const v of [
      'PK36SCBL0000001123456702',
      'PK89ABPA0010117126020017',
      'PK81KHYB0022000001111111',
      'PK15MEZN0001350102071383',
      'PK74JSBL9585000000670111',
      'PK12MEZN0036010108930805',
      'PK37UNIL0109000246915175',
      'PK56AIIN1234567890000001',
    ]) {
      assert.ok(isValidIban(v), v);
      assert.ok(independentIbanValid(v), v);
    }
    assert.equal(isValidIban('PK76NBPA1234567890000999'), false);
    assert.equal(isValidIban('PK73NBPA2166001369874563'), false);
    assert.equal(makeIban('NBPA', '1234567890000999'), 'PK48NBPA1234567890000999');
    assert.equal(makeIban('NBPA', '2166001369874563'), 'PK49NBPA2166001369874563');
  });

  test('every generated IBAN passes the independent validator and lies in the reserved block', () => {
    const world = generateWorld(DEFAULT_WORLD_SEED, DAY);
    const ibans = world.accounts.map((a) => a.iban).filter((x): x is string => !!x);
    assert.ok(ibans.length > 80);
    for (const iban of ibans) {
      assert.ok(independentIbanValid(iban), iban);
      assert.equal(iban.length, 24);
      assert.equal(iban.slice(8, 12), RESERVED.accountPrefix);
      assert.equal(liveDataFinding(iban), null, iban);
    }
    assert.equal(new Set(ibans).size, ibans.length);
  });

  test('generated CNICs, mobiles and cards are valid, reserved and not flagged', () => {
    const world = generateWorld(DEFAULT_WORLD_SEED, DAY);
    for (const a of world.accounts) {
      assert.match(a.cnic, /^99\d{11}$/);
      assert.match(a.mobile, /^0399\d{7}$/);
      assert.ok(luhnValid(a.cardPan) && a.cardPan.startsWith(RESERVED.cardBin), a.cardPan);
      for (const v of [a.cnic, a.mobile, a.cardPan, a.accountNo]) assert.equal(liveDataFinding(v), null, v);
      assert.equal(a.currency, '586');
      assert.ok(Number.isInteger(a.balance) && a.balance >= 0);
    }
    const statuses = new Set(world.accounts.map((a) => a.status));
    for (const s of ['active', 'inactive', 'blocked', 'dormant']) assert.ok(statuses.has(s as never), s);
    const billStatuses = new Set(world.bills.map((b) => b.billStatus));
    for (const s of ['U', 'P', 'B', 'T']) assert.ok(billStatuses.has(s as never), s);
  });

  test('generation is deterministic', () => {
    assert.deepEqual(generateWorld(DEFAULT_WORLD_SEED, DAY), generateWorld(DEFAULT_WORLD_SEED, DAY));
    assert.notDeepEqual(
      generateWorld('other', DAY).accounts[20],
      generateWorld(DEFAULT_WORLD_SEED, DAY).accounts[20],
    );
  });

  test('live-looking identifiers are recognised', () => {
    assert.equal(liveDataFinding('PK36SCBL0000001123456702')?.kind, 'iban');
    assert.equal(liveDataFinding('GB82WEST12345698765432')?.kind, 'iban');
    assert.equal(liveDataFinding('03001234567')?.kind, 'mobile');
    assert.equal(liveDataFinding('+923001234567')?.kind, 'mobile');
    assert.equal(liveDataFinding('4210112345671')?.kind, 'cnic');
    assert.equal(liveDataFinding('42101-1234567-1')?.kind, 'cnic');
    assert.equal(liveDataFinding('4111111111111111')?.kind, 'card');
    assert.equal(liveDataFinding('PK76NBPA1234567890000999'), null); // bad check digits: not valid, not live
    assert.equal(liveDataFinding('0000000000000'), null);
    assert.equal(liveDataFinding('000000100000'), null);
  });

  test('any account number in the reserved block makes a valid, non-live IBAN for every bank', () => {
    const coded = ALL_BANKS.filter((b) => b.code);
    fc.assert(
      fc.property(fc.constantFrom(...coded), fc.stringMatching(/^\d{12}$/), (bank, rest) => {
        const iban = makeIban(bank.code!, `${RESERVED.accountPrefix}${rest}`);
        return independentIbanValid(iban) && isValidIban(iban) && liveDataFinding(iban) === null;
      }),
    );
  });
});

describe('live-data guard: the length/end-character shortcut', () => {
  const units = fc.constantFrom(...'0123456789012345678901234567890123456789-+ ABKPZ'.split(''));
  const candidates = fc.oneof(
    fc.string({ unit: units, minLength: 9, maxLength: 36 }),
    fc.stringMatching(/^\d{9,21}$/),
    fc.stringMatching(/^(?:03\d{9}|923\d{9}|\+923\d{9}|\+92-3\d{9}|0092\d{10})$/),
    fc.stringMatching(/^[1-8]\d{4}-?\d{7}-?\d$/),
    fc.stringMatching(/^[2-6]\d{13,17}$/).map((p) => withLuhn(p)),
    fc.stringMatching(/^ ?\d{11,19} ?$/),
  );

  test('never rejects a value the full checks would flag', () => {
    fc.assert(
      fc.property(candidates, (v) => {
        if (cannotBeLive(v)) assert.equal(classify(v), null, v);
        assert.deepEqual(liveDataFinding(v), classify(v), v);
      }),
      { numRuns: 20_000 },
    );
  });

  test('takes the common case: sandbox account numbers and zero PANs', () => {
    assert.equal(cannotBeLive('9990000000001001'), true);
    assert.equal(cannotBeLive('0000000000000'), true);
    assert.equal(cannotBeLive('03001234567'), false, 'a mobile number gets the full checks');
    assert.equal(cannotBeLive('4111111111111111'), false, 'a card number gets the full checks');
    assert.equal(cannotBeLive(' 9990000000001001'), false, 'padding gets the full checks');
  });
});
