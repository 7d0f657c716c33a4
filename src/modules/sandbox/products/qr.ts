import QRCode from 'qrcode';
import type { z } from 'zod';
import type { NetworkCallContext, NetworkOperation, NetworkResult } from '../../gateway/index.ts';
import type { SandboxCore } from '../core.ts';
import {
  ADDITIONAL_DATA_TAGS,
  type AdditionalDataField,
  generatePayload,
  parsePayload,
  type QrModel,
} from '../qr/emv.ts';
import { findLiveData } from '../wire.ts';
import { PAISA_12, QR_CODES, type QrCode, qrGetCodeRequest, qrParseRequest } from './qr-schemas.ts';

/**
 * 1QR: `POST /qr-rest-service/getQRCode` (facts §3.6; success 0000) draws a merchant-presented
 * EMVCo payload (qr/emv.ts) as a QR image with the `qrcode` library (ADR 0016): base64 PNG, or SVG
 * with ImageFormat SVG. `POST /qr-rest-service/parseQRCode` (Darwaza's own) reads a payload back
 * and names every bad field, the CRC included. Neither keeps state (nothing to reset).
 *
 * Codes: 1QR answers four digits; only 0000 is public. Refusals are ours, the IBFT family's codes
 * in four digits: 0080 MESSAGE FORMAT ERROR (not an object, a required field missing, a wrong
 * JSON type), 0009 FIELD ERROR (a value off its format, naming the field), 0094 PERMISSION DENIED
 * (live-looking PayeeAccountNumber or MobileNumber). Always HTTP 200.
 */
type Raw = Record<string, unknown>;

const answer = (code: QrCode, detail: string | null, extra: Record<string, unknown>): NetworkResult => ({
  status: 200,
  body: { ResponseCode: code, ResponseDetail: detail ?? QR_CODES[code], ...extra },
  networkCode: code,
});
const EMPTY_IMAGE = { QRCode: '', QRString: '', ImageType: '' };

const absent = (v: unknown) => v === undefined || v === null || v === '';

/** The first problem zod found, as the network answers it (80 for missing or mistyped, else 09). */
function refusal(issue: z.core.$ZodIssue, raw: Raw): { code: QrCode; detail: string } {
  const path = issue.path.map(String).join('.');
  let v: unknown = raw;
  for (const p of issue.path) v = v && typeof v === 'object' ? (v as Raw)[String(p)] : undefined;
  if (absent(v)) return { code: '0080', detail: `MESSAGE FORMAT ERROR: FIELD ${path} IS MISSING` };
  const typeOk = typeof v === 'string' || (issue.code !== 'invalid_type' && typeof v === 'object');
  if (!typeOk) return { code: '0080', detail: `MESSAGE FORMAT ERROR: FIELD ${path} HAS THE WRONG TYPE` };
  const msg =
    issue.code === 'too_big'
      ? 'IS TOO LONG'
      : issue.code === 'too_small'
        ? 'IS EMPTY'
        : issue.message.toUpperCase().startsWith('MUST')
          ? issue.message
          : 'HAS A BAD VALUE';
  return { code: '0009', detail: `FIELD ERROR: ${path} ${msg}` };
}

/** A copy without empty values: "" and null mean "not sent", as in every sandbox message. */
function withoutEmpty(o: Raw): Raw {
  const out: Raw = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === '' || v === null || v === undefined) continue;
    out[k] = v && typeof v === 'object' && !Array.isArray(v) ? withoutEmpty(v as Raw) : v;
  }
  return out;
}

const objectOf = (body: unknown): Raw | null => {
  let b = body;
  if (typeof b === 'string') {
    try {
      b = JSON.parse(b);
    } catch {
      return null;
    }
  }
  return b !== null && typeof b === 'object' && !Array.isArray(b) ? (b as Raw) : null;
};

/** TransactionAmount in paisa: 12 digits are paisa (canonical); anything else is plain rupees. */
const paisaOf = (v: string) => (PAISA_12.test(v) ? Number(v) : Math.round(Number(v) * 100));

const s = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

async function getQRCode(core: SandboxCore, ctx: NetworkCallContext): Promise<NetworkResult> {
  const raw = objectOf(ctx.body);
  if (!raw) return answer('0080', 'MESSAGE FORMAT ERROR: BODY MUST BE A JSON OBJECT', EMPTY_IMAGE);
  const parsed = qrGetCodeRequest.safeParse(withoutEmpty(raw));
  if (!parsed.success) {
    const r = refusal(parsed.error.issues[0], raw);
    return answer(r.code, r.detail, EMPTY_IMAGE);
  }
  const q = parsed.data;
  const fieldError = (detail: string) => answer('0009', `FIELD ERROR: ${detail}`, EMPTY_IMAGE);
  const amount = s(q.TransactionAmount);
  const ad: Partial<Record<AdditionalDataField, string>> = {};
  for (const k of Object.keys(ADDITIONAL_DATA_TAGS) as AdditionalDataField[]) {
    const v = s(q.AdditionalData?.[k]);
    if (v) ad[k] = v;
  }
  if (q.InitiationMethod === '12') {
    if (!amount) return fieldError('TransactionAmount IS REQUIRED FOR A DYNAMIC (12) QR');
    if (paisaOf(amount) <= 0) return fieldError('TransactionAmount MUST BE ABOVE ZERO');
    if (!ad.ReferenceID) return fieldError('AdditionalData.ReferenceID IS REQUIRED FOR A DYNAMIC (12) QR');
  } else if (amount) return fieldError('TransactionAmount IS NOT ALLOWED IN A STATIC (11) QR');
  const live = findLiveData(
    {
      PayeeAccountNumber: q.MerchantAccountInformationPayee.PayeeAccountNumber,
      ...(ad.MobileNumber ? { MobileNumber: ad.MobileNumber } : {}),
    },
    ['PayeeAccountNumber', 'MobileNumber'],
  );
  if (live) {
    await core.reportLiveData(ctx, 'qrGetCode', live);
    const r = answer(
      '0094',
      `PERMISSION DENIED: LIVE DATA NOT ALLOWED IN SANDBOX: ${live.field} IS ${live.finding.explanation.toUpperCase()}`,
      EMPTY_IMAGE,
    );
    r.liveDataSuspected = true;
    return r;
  }
  const lang = q.MerchantLanguageInfoTemplate;
  const model: QrModel = {
    InitiationMethod: q.InitiationMethod,
    PayeeBankIMD: q.MerchantAccountInformationPayee.PayeeBankIMD,
    PayeeAccountNumber: q.MerchantAccountInformationPayee.PayeeAccountNumber,
    MCC: q.MCC,
    MerchantName: q.MerchantName,
    MerchantCity: q.MerchantCity,
  };
  const productCode = s(q.MerchantAccountInformationProduct?.ProductCode);
  if (productCode) model.ProductCode = productCode;
  if (amount) model.amountPaisa = paisaOf(amount);
  if (q.ConvenienceInd) model.ConvenienceInd = q.ConvenienceInd;
  if (q.ConvenienceInd === '02') {
    if (!s(q.ConvenienceFeeValue))
      return fieldError('ConvenienceFeeValue IS REQUIRED WITH ConvenienceInd 02');
    model.ConvenienceFeeValue = q.ConvenienceFeeValue as string;
  }
  if (q.ConvenienceInd === '03') {
    if (!s(q.ConvenienceFeePercentage))
      return fieldError('ConvenienceFeePercentage IS REQUIRED WITH ConvenienceInd 03');
    model.ConvenienceFeePercentage = q.ConvenienceFeePercentage as string;
  }
  if (s(q.PostalCode)) model.PostalCode = q.PostalCode as string;
  if (Object.keys(ad).length) model.AdditionalData = ad;
  const l = {
    LanguagePreference: s(lang?.LanguagePreference),
    MerchantNameAlternateLanguage: s(lang?.MerchantNameAlternateLanguage),
    MerchantCityAlternateLanguage: s(lang?.MerchantCityAlternateLanguage),
  };
  const langSet = Object.fromEntries(Object.entries(l).filter(([, v]) => v));
  if (Object.keys(langSet).length) model.MerchantLanguageInfoTemplate = langSet;
  const payload = generatePayload(model);
  // A payload the codec cannot read back (e.g. AdditionalData over 99 characters) is refused by field.
  const check = parsePayload(payload);
  if (!check.ok)
    return fieldError(
      check.problems
        .map((p) => `${p.field} ${p.problem}`)
        .join('; ')
        .slice(0, 480),
    );
  if (q.ImageFormat === 'SVG') {
    const svg = await QRCode.toString(payload, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 });
    return answer('0000', null, {
      QRCode: Buffer.from(svg).toString('base64'),
      QRString: payload,
      ImageType: 'image/svg+xml',
    });
  }
  const png = await QRCode.toBuffer(payload, { type: 'png', errorCorrectionLevel: 'M', margin: 4, scale: 6 });
  return answer('0000', null, { QRCode: png.toString('base64'), QRString: payload, ImageType: 'image/png' });
}

/** A valid payload's fields in getQRCode's request shape (amount as 12-digit paisa). */
function requestShapeOf(m: QrModel): Record<string, unknown> {
  const out: Record<string, unknown> = {
    InitiationMethod: m.InitiationMethod,
    MerchantAccountInformationPayee: {
      GloballyUniqueIdentifier: 'A000000736',
      PayeeBankIMD: m.PayeeBankIMD,
      PayeeAccountNumber: m.PayeeAccountNumber,
    },
    MCC: m.MCC,
    CurrencyCode: '586',
    CountryCode: 'PK',
    MerchantName: m.MerchantName,
    MerchantCity: m.MerchantCity,
  };
  if (m.ProductCode)
    out.MerchantAccountInformationProduct = {
      GloballyUniqueIdentifier: 'A000000736',
      ProductCode: m.ProductCode,
    };
  if (m.amountPaisa !== undefined) out.TransactionAmount = String(m.amountPaisa).padStart(12, '0');
  if (m.ConvenienceInd) out.ConvenienceInd = m.ConvenienceInd;
  if (m.ConvenienceFeeValue) out.ConvenienceFeeValue = m.ConvenienceFeeValue;
  if (m.ConvenienceFeePercentage) out.ConvenienceFeePercentage = m.ConvenienceFeePercentage;
  if (m.PostalCode) out.PostalCode = m.PostalCode;
  if (m.AdditionalData) out.AdditionalData = m.AdditionalData;
  if (m.MerchantLanguageInfoTemplate) out.MerchantLanguageInfoTemplate = m.MerchantLanguageInfoTemplate;
  return out;
}

async function parseQRCode(ctx: NetworkCallContext): Promise<NetworkResult> {
  const raw = objectOf(ctx.body);
  if (!raw)
    return answer('0080', 'MESSAGE FORMAT ERROR: BODY MUST BE A JSON OBJECT', { QRData: null, Errors: [] });
  const parsed = qrParseRequest.safeParse(raw);
  if (!parsed.success) {
    const r = refusal(parsed.error.issues[0], raw);
    return answer(r.code, r.detail, { QRData: null, Errors: [] });
  }
  const result = parsePayload(parsed.data.QRString);
  if (result.ok) return answer('0000', null, { QRData: requestShapeOf(result.model), Errors: [] });
  const errors = result.problems
    .slice(0, 64)
    .map((p) => ({ Tag: p.tag, Field: p.field, Problem: p.problem }));
  const detail = `FIELD ERROR: ${errors.map((e) => `${e.Field} ${e.Problem}`).join('; ')}`.slice(0, 512);
  return answer('0009', detail, { QRData: null, Errors: errors });
}

export function qrOperations(core: SandboxCore): NetworkOperation[] {
  return [
    {
      productSlug: '1qr',
      operationId: 'qrGetCode',
      method: 'POST',
      path: '/qr-rest-service/getQRCode',
      paymentCreating: false,
      requiresClientSecret: false,
      handle: (ctx) => getQRCode(core, ctx),
    },
    {
      productSlug: '1qr',
      operationId: 'qrParseCode',
      method: 'POST',
      path: '/qr-rest-service/parseQRCode',
      paymentCreating: false,
      requiresClientSecret: false,
      handle: (ctx) => parseQRCode(ctx),
    },
  ];
}
