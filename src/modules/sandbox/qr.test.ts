import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { testEngines } from '../../platform/testing.ts';
import { ADDITIONAL_DATA_TAGS, generatePayload, parsePayload, type QrModel } from './qr/emv.ts';
import { openSandbox, type SandboxFixture } from './test-support.ts';

/**
 * Issue 34, item 3: 1QR. Every image decodes with an independent reader (jsQR over pngjs; the SVG
 * rasterised here from its path) to its payload, whose CRC verifies with a bit-wise CRC written
 * below from §3.6a's parameters; the committed third-party requests (test/fixtures/1qr/) pass
 * unchanged in both TransactionAmount forms; malformed payloads are named field by field;
 * parse(generate(x)) == x.
 */
// jsqr is CommonJS: Node's default import is the function itself, which its types call `.default`.
type Reader = typeof jsQRModule.default;
const jsQR: Reader =
  (jsQRModule as unknown as { default?: Reader }).default ?? (jsQRModule as unknown as Reader);

const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', '1qr');
type Body = Record<string, string>;

/** CRC-16/CCITT-FALSE bit by bit: poly 0x1021, init 0xFFFF, MSB first, no reflection, no final XOR. */
function crcBitwise(text: string): string {
  let crc = 0xffff;
  for (const byte of Buffer.from(text, 'utf8')) {
    for (let bit = 7; bit >= 0; bit--) {
      const inBit = (byte >> bit) & 1;
      const top = (crc >> 15) & 1;
      crc = (crc << 1) & 0xffff;
      if (top ^ inBit) crc ^= 0x1021;
    }
  }
  return crc.toString(16).toUpperCase().padStart(4, '0');
}

function decodePng(base64: string): string | null {
  const png = PNG.sync.read(Buffer.from(base64, 'base64'));
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data ?? null;
}

/** Rasterises qrcode's SVG (a path of M/m moves and h runs, one module per unit) and reads it. */
function decodeSvg(base64: string): string | null {
  const svg = Buffer.from(base64, 'base64').toString('utf8');
  const size = Number(/viewBox="0 0 (\d+) (\d+)"/.exec(svg)![1]);
  const d = /<path[^>]*stroke="#000000"[^>]*d="([^"]+)"/.exec(svg)![1];
  const scale = 6;
  const w = size * scale;
  const px = new Uint8ClampedArray(w * w * 4).fill(255);
  let x = 0;
  let y = 0;
  for (const [, cmd, a, b] of d.matchAll(/([MmHh])([\d.]+)(?:[ ,]([\d.]+))?/g)) {
    if (cmd === 'M') [x, y] = [Number(a), Number(b)];
    else if (cmd === 'm') [x, y] = [x + Number(a), y + Number(b)];
    else {
      const len = Number(a);
      const row = Math.floor(y);
      for (let cx = x; cx < x + len; cx++)
        for (let dy = 0; dy < scale; dy++)
          for (let dx = 0; dx < scale; dx++) {
            const i = ((row * scale + dy) * w + Math.round(cx * scale) + dx) * 4;
            px[i] = px[i + 1] = px[i + 2] = 0;
          }
      x += len;
    }
  }
  return jsQR(px, w, w)?.data ?? null;
}

const crcHolds = (payload: string) =>
  payload.slice(-8, -4) === '6304' && payload.slice(-4) === crcBitwise(payload.slice(0, -4));

const modelArb: fc.Arbitrary<QrModel> = fc
  .record({
    dynamic: fc.boolean(),
    PayeeBankIMD: fc.stringMatching(/^\d{6}(\d{5})?$/),
    PayeeAccountNumber: fc.stringMatching(/^[0-9A-Za-z]{1,24}$/),
    ProductCode: fc.option(fc.stringMatching(/^[0-9A-Z]{1,20}$/), { nil: undefined }),
    MCC: fc.stringMatching(/^\d{4}$/),
    amountPaisa: fc.integer({ min: 1, max: 99_999_999_999 }),
    ConvenienceInd: fc.option(fc.constantFrom('01', '02', '03') as fc.Arbitrary<'01' | '02' | '03'>, {
      nil: undefined,
    }),
    fee: fc.stringMatching(/^[1-9]\d{0,3}\.\d{2}$/),
    pct: fc.stringMatching(/^\d{1,2}\.\d$/),
    MerchantName: fc.stringMatching(/^[A-Z0-9 ]{1,25}$/),
    MerchantCity: fc.stringMatching(/^[A-Z]{1,15}$/),
    PostalCode: fc.option(fc.stringMatching(/^\d{5}$/), { nil: undefined }),
    ad: fc.dictionary(
      fc.constantFrom(...Object.keys(ADDITIONAL_DATA_TAGS)),
      fc.stringMatching(/^[A-Z0-9-]{1,8}$/),
      {
        maxKeys: 4,
      },
    ),
    ref: fc.stringMatching(/^[A-Z0-9-]{1,10}$/),
    lang: fc.option(
      fc.record(
        {
          LanguagePreference: fc.constant('ur'),
          MerchantNameAlternateLanguage: fc.stringMatching(/^[A-Z ]{1,20}$/),
        },
        { noNullPrototype: true },
      ),
      { nil: undefined },
    ),
  })
  .map((r) => {
    const m: QrModel = {
      InitiationMethod: r.dynamic ? '12' : '11',
      PayeeBankIMD: r.PayeeBankIMD,
      PayeeAccountNumber: r.PayeeAccountNumber,
      MCC: r.MCC,
      MerchantName: r.MerchantName,
      MerchantCity: r.MerchantCity,
    };
    if (r.ProductCode) m.ProductCode = r.ProductCode;
    if (r.dynamic) m.amountPaisa = r.amountPaisa;
    if (r.ConvenienceInd) m.ConvenienceInd = r.ConvenienceInd;
    if (r.ConvenienceInd === '02') m.ConvenienceFeeValue = r.fee;
    if (r.ConvenienceInd === '03') m.ConvenienceFeePercentage = r.pct;
    if (r.PostalCode) m.PostalCode = r.PostalCode;
    const ad = { ...r.ad, ...(r.dynamic ? { ReferenceID: r.ref } : {}) };
    if (Object.keys(ad).length) m.AdditionalData = ad;
    if (r.lang) m.MerchantLanguageInfoTemplate = r.lang;
    return m;
  });

describe('1QR payloads', () => {
  test('parse(generate(x)) == x, and every generated CRC verifies bit by bit', () => {
    fc.assert(
      fc.property(modelArb, (m) => {
        const payload = generatePayload(m);
        assert.ok(crcHolds(payload), payload);
        const back = parsePayload(payload);
        assert.ok(back.ok, JSON.stringify(back));
        assert.deepEqual(back.model, m);
      }),
      { numRuns: 500, seed: 34 },
    );
  });

  test('malformed payloads are named field by field', () => {
    const good = generatePayload({
      InitiationMethod: '12',
      PayeeBankIMD: '221166',
      PayeeAccountNumber: '9990000000001001',
      MCC: '5411',
      amountPaisa: 250000,
      MerchantName: 'SHOP',
      MerchantCity: 'KARACHI',
      AdditionalData: { ReferenceID: 'R1' },
    });
    const resign = (p: string) => p.slice(0, -4) + crcBitwise(p.slice(0, -4));
    const cases: Array<[string, string, string[]]> = [
      ['a changed character', good.replace('SHOP', 'SHOQ'), ['CRC']],
      ['a lower-case CRC', good.slice(0, -4) + good.slice(-4).toLowerCase(), ['CRC']],
      ['country IN', resign(good.replace('5802PK', '5802IN')), ['CountryCode']],
      ['currency 840', resign(good.replace('5303586', '5303840')), ['CurrencyCode']],
      ['MCC of 3 digits', resign(good.replace('52045411', '5203541')), ['MCC']],
      ['initiation 13', resign(good.replace('010212', '010213')), ['InitiationMethod']],
      ['another GUID', resign(good.replace('A000000736', 'A000000999')), ['GloballyUniqueIdentifier']],
      ['amount with 3 decimals', resign(good.replace('54072500.00', '5407250.000')), ['TransactionAmount']],
      [
        'several at once',
        resign(good.replace('5802PK', '5802IN').replace('5303586', '5303840')),
        ['CurrencyCode', 'CountryCode'],
      ],
      ['no CRC', good.slice(0, -8), ['CRC']],
      ['a broken data object', `${good.slice(0, 10)}9`, ['Payload']],
    ];
    for (const [name, payload, fields] of cases) {
      const r = parsePayload(payload);
      assert.ok(!r.ok, name);
      if (!r.ok)
        assert.deepEqual(
          r.problems.map((p) => p.field).sort(),
          [...fields].sort(),
          `${name}: ${JSON.stringify(r.problems)}`,
        );
    }
    // A dynamic payload without amount or reference names both.
    const noAmount = generatePayload({
      InitiationMethod: '12',
      PayeeBankIMD: '221166',
      PayeeAccountNumber: '1',
      MCC: '5411',
      MerchantName: 'S',
      MerchantCity: 'K',
    });
    const r = parsePayload(noAmount);
    assert.ok(!r.ok);
    if (!r.ok) assert.deepEqual(r.problems.map((p) => p.field).sort(), ['ReferenceID', 'TransactionAmount']);
  });
});

for (const engine of testEngines()) {
  describe(`1QR operations (${engine.name})`, () => {
    let fx: SandboxFixture;
    before(async () => {
      fx = await openSandbox(engine);
    });
    after(async () => fx.cleanup());

    const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));
    for (const file of files) {
      test(`the third-party request ${file} passes unchanged; PNG and SVG decode to a payload whose CRC verifies`, async () => {
        const request = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'));
        const r = await fx.call('qrGetCode', request);
        const b = r.body as Body;
        assert.equal(b.ResponseCode, '0000', b.ResponseDetail);
        assert.equal(b.ImageType, 'image/png');
        const decoded = decodePng(b.QRCode);
        assert.equal(decoded, b.QRString);
        assert.ok(crcHolds(decoded!), decoded!);
        // The payload carries the request's values.
        const back = await fx.call('qrParseCode', { QRString: decoded });
        const data = (back.body as { QRData: Record<string, unknown> }).QRData;
        assert.equal((back.body as Body).ResponseCode, '0000');
        assert.equal(data.MerchantName, request.MerchantName);
        assert.equal(data.MCC, request.MCC);
        if (request.InitiationMethod === '12') {
          const paisa = /^\d{12}$/.test(request.TransactionAmount)
            ? Number(request.TransactionAmount)
            : Math.round(Number(request.TransactionAmount) * 100);
          assert.equal(data.TransactionAmount, String(paisa).padStart(12, '0'));
          assert.match(
            decoded!,
            new RegExp(`54\\d\\d${Math.floor(paisa / 100)}\\.${String(paisa % 100).padStart(2, '0')}`),
          );
        } else assert.equal(data.TransactionAmount, undefined);
        const svg = await fx.call('qrGetCode', { ...request, ImageFormat: 'SVG' });
        assert.equal((svg.body as Body).ImageType, 'image/svg+xml');
        assert.equal(decodeSvg((svg.body as Body).QRCode), b.QRString);
      });
    }

    test('both TransactionAmount forms give the same payload', async () => {
      const request = JSON.parse(readFileSync(join(FIXTURES, 'dynamic-paisa.json'), 'utf8'));
      const a = (await fx.call('qrGetCode', request)).body as Body;
      for (const form of ['2500', '2500.0', '2500.00']) {
        const b = (await fx.call('qrGetCode', { ...request, TransactionAmount: form })).body as Body;
        assert.equal(b.QRString, a.QRString, form);
      }
    });

    test('refusals: 0080 missing, 0009 named field, 0094 live data', async () => {
      const request = JSON.parse(readFileSync(join(FIXTURES, 'dynamic-paisa.json'), 'utf8'));
      const cases: Array<[Record<string, unknown>, string, RegExp]> = [
        [{ ...request, MCC: undefined }, '0080', /MCC IS MISSING/],
        [{ ...request, MCC: 5411 }, '0080', /MCC/],
        [{ ...request, MCC: '541' }, '0009', /FIELD ERROR: MCC/],
        [{ ...request, TransactionAmount: '25.999' }, '0009', /TransactionAmount/],
        [{ ...request, TransactionAmount: '' }, '0009', /TransactionAmount IS REQUIRED/],
        [{ ...request, InitiationMethod: '11' }, '0009', /NOT ALLOWED IN A STATIC/],
        [
          { ...request, AdditionalData: { ...request.AdditionalData, ReferenceID: '' } },
          '0009',
          /ReferenceID/,
        ],
        [{ ...request, CountryCode: 'IN' }, '0009', /CountryCode/],
        [{ ...request, CurrencyCode: '840' }, '0009', /CurrencyCode/],
        [{ ...request, MerchantName: 'X'.repeat(26) }, '0009', /MerchantName/],
        [
          {
            ...request,
            MerchantAccountInformationPayee: {
              ...request.MerchantAccountInformationPayee,
              GloballyUniqueIdentifier: 'A0000007',
            },
          },
          '0009',
          /GloballyUniqueIdentifier/,
        ],
        [
          {
            ...request,
            MerchantAccountInformationPayee: {
              ...request.MerchantAccountInformationPayee,
              PayeeAccountNumber: 'PK36SCBL0000001123456702',
            },
          },
          '0094',
          /PayeeAccountNumber/,
        ],
        [
          { ...request, AdditionalData: { ...request.AdditionalData, MobileNumber: '03001234567' } },
          '0094',
          /MobileNumber/,
        ],
      ];
      for (const [body, code, detail] of cases) {
        const r = (await fx.call('qrGetCode', body)).body as Body;
        assert.equal(r.ResponseCode, code, `${JSON.stringify(body).slice(0, 80)}: ${r.ResponseDetail}`);
        assert.match(r.ResponseDetail, detail);
        assert.equal(r.QRCode, '');
      }
      const parse = (await fx.call('qrParseCode', { QRString: '000201' })).body as {
        ResponseCode: string;
        Errors: unknown[];
      };
      assert.equal(parse.ResponseCode, '0009');
      assert.ok(parse.Errors.length > 0);
    });
  });
}
