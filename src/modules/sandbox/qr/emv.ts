/**
 * EMVCo merchant-presented QR payloads as 1QR carries them (facts §3.6a): every data object is an
 * ID (2 digits), a length (2 digits, 00–99) and a value; templates nest the same way; 00 comes first
 * and 63 (the CRC) last. `generatePayload` writes a payload from a `QrModel`; `parsePayload` reads
 * one back and names every bad field; parse(generate(m)) gives m back (qr-emv.test.ts).
 *
 * The model is in the request's terms (1QR's PascalCase names, amounts in paisa). Tags:
 * 00 payload format indicator 01 · 01 point of initiation 11 static / 12 dynamic · 26 the payee's
 * account template (00 the network's GUID, 01 PayeeBankIMD, 02 PayeeAccountNumber) · 27 the product
 * template (00 GUID, 01 ProductCode) · 52 MCC · 53 currency 586 · 54 amount (dynamic only, rupees
 * with a '.' and two decimals) · 55 convenience indicator (01 prompt, 02 fixed with 56, 03
 * percentage with 57) · 58 country PK · 59 name (≤25) · 60 city (≤15) · 61 postal code · 62
 * additional data (01 bill number … 09 additional consumer data request) · 64 alternate language
 * (00 language, 01 name, 02 city) · 63 CRC-16/CCITT-FALSE over everything up to and including "6304".
 */
export const NETWORK_GUID = 'A000000736';

export const ADDITIONAL_DATA_TAGS = {
  BillNumber: '01',
  MobileNumber: '02',
  StoreID: '03',
  LoyaltyNumber: '04',
  ReferenceID: '05',
  ConsumerID: '06',
  TerminalID: '07',
  Purpose: '08',
  AdditionalConsumerDataRequest: '09',
} as const;
export type AdditionalDataField = keyof typeof ADDITIONAL_DATA_TAGS;

const LANGUAGE_TAGS = {
  LanguagePreference: '00',
  MerchantNameAlternateLanguage: '01',
  MerchantCityAlternateLanguage: '02',
} as const;
type LanguageField = keyof typeof LANGUAGE_TAGS;

export type QrModel = {
  InitiationMethod: '11' | '12';
  PayeeBankIMD: string;
  PayeeAccountNumber: string;
  ProductCode?: string;
  MCC: string;
  /** Paisa; present exactly when dynamic. */
  amountPaisa?: number;
  ConvenienceInd?: '01' | '02' | '03';
  /** Rupees as written (e.g. "10.00"), with ConvenienceInd 02. */
  ConvenienceFeeValue?: string;
  /** Percent as written (e.g. "1.5"), with ConvenienceInd 03. */
  ConvenienceFeePercentage?: string;
  MerchantName: string;
  MerchantCity: string;
  PostalCode?: string;
  AdditionalData?: Partial<Record<AdditionalDataField, string>>;
  MerchantLanguageInfoTemplate?: Partial<Record<LanguageField, string>>;
};

/** CRC-16/CCITT-FALSE: polynomial 0x1021, initial 0xFFFF, no reflection, no final XOR. */
function crc16(text: string): string {
  let crc = 0xffff;
  for (const byte of Buffer.from(text, 'utf8')) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc.toString(16).toUpperCase().padStart(4, '0');
}

const tlv = (id: string, value: string) => `${id}${String(value.length).padStart(2, '0')}${value}`;

/** Rupees with two decimals, as tag 54 carries them: 250000 paisa → "2500.00". */
const rupees = (paisa: number) => `${Math.floor(paisa / 100)}.${String(paisa % 100).padStart(2, '0')}`;

function template(entries: Array<[string, string | undefined]>): string {
  return entries
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([id, v]) => tlv(id, v as string))
    .join('');
}

/** The payload of a model the request check accepted (values within their lengths). */
export function generatePayload(m: QrModel): string {
  const parts = [tlv('00', '01'), tlv('01', m.InitiationMethod)];
  parts.push(
    tlv(
      '26',
      template([
        ['00', NETWORK_GUID],
        ['01', m.PayeeBankIMD],
        ['02', m.PayeeAccountNumber],
      ]),
    ),
  );
  if (m.ProductCode)
    parts.push(
      tlv(
        '27',
        template([
          ['00', NETWORK_GUID],
          ['01', m.ProductCode],
        ]),
      ),
    );
  parts.push(tlv('52', m.MCC), tlv('53', '586'));
  if (m.amountPaisa !== undefined) parts.push(tlv('54', rupees(m.amountPaisa)));
  if (m.ConvenienceInd) parts.push(tlv('55', m.ConvenienceInd));
  if (m.ConvenienceInd === '02' && m.ConvenienceFeeValue) parts.push(tlv('56', m.ConvenienceFeeValue));
  if (m.ConvenienceInd === '03' && m.ConvenienceFeePercentage)
    parts.push(tlv('57', m.ConvenienceFeePercentage));
  parts.push(tlv('58', 'PK'), tlv('59', m.MerchantName), tlv('60', m.MerchantCity));
  if (m.PostalCode) parts.push(tlv('61', m.PostalCode));
  const ad = m.AdditionalData ?? {};
  const adText = template(
    (Object.keys(ADDITIONAL_DATA_TAGS) as AdditionalDataField[]).map((k) => [ADDITIONAL_DATA_TAGS[k], ad[k]]),
  );
  if (adText) parts.push(tlv('62', adText));
  const lang = m.MerchantLanguageInfoTemplate ?? {};
  const langText = template(
    (Object.keys(LANGUAGE_TAGS) as LanguageField[]).map((k) => [LANGUAGE_TAGS[k], lang[k]]),
  );
  if (langText) parts.push(tlv('64', langText));
  const body = `${parts.join('')}6304`;
  return body + crc16(body);
}

/** A problem with one field of a payload: its tag (and sub-tag), its name and what is wrong. */
export type PayloadProblem = { tag: string; field: string; problem: string };

const FIELD_NAMES: Record<string, string> = {
  '00': 'PayloadFormatIndicator',
  '01': 'InitiationMethod',
  '26': 'MerchantAccountInformationPayee',
  '27': 'MerchantAccountInformationProduct',
  '52': 'MCC',
  '53': 'CurrencyCode',
  '54': 'TransactionAmount',
  '55': 'ConvenienceInd',
  '56': 'ConvenienceFeeValue',
  '57': 'ConvenienceFeePercentage',
  '58': 'CountryCode',
  '59': 'MerchantName',
  '60': 'MerchantCity',
  '61': 'PostalCode',
  '62': 'AdditionalData',
  '63': 'CRC',
  '64': 'MerchantLanguageInfoTemplate',
};
const nameOf = (tag: string) => FIELD_NAMES[tag] ?? `Tag${tag}`;

/** Splits a run of data objects; null (with a problem) when it is not ID-length-value all the way. */
function split(text: string, where: string, problems: PayloadProblem[]): Array<[string, string]> | null {
  const out: Array<[string, string]> = [];
  let i = 0;
  while (i < text.length) {
    const id = text.slice(i, i + 2);
    const len = text.slice(i + 2, i + 4);
    if (!/^\d{2}$/.test(id) || !/^\d{2}$/.test(len) || i + 4 + Number(len) > text.length) {
      problems.push({
        tag: where || id,
        field: where ? nameOf(where) : 'Payload',
        problem: `NOT A VALID DATA OBJECT AT POSITION ${i}`,
      });
      return null;
    }
    out.push([id, text.slice(i + 4, i + 4 + Number(len))]);
    i += 4 + Number(len);
  }
  return out;
}

const AMOUNT = /^(?:0|[1-9]\d{0,9})(?:\.\d{1,2})?$/;

/**
 * Reads a payload back into a model, checking every data object: the order (00 first, 63 last),
 * each mandatory object, formats and lengths, the network's GUID in the payee template, and the
 * CRC. Every bad field is named (not only the first).
 */
export function parsePayload(
  payload: string,
): { ok: true; model: QrModel } | { ok: false; problems: PayloadProblem[] } {
  const problems: PayloadProblem[] = [];
  const bad = (tag: string, problem: string, field = nameOf(tag)) => problems.push({ tag, field, problem });
  if (payload.length > 512) bad('--', 'PAYLOAD LONGER THAN 512 CHARACTERS', 'Payload');
  const objects = split(payload, '', problems);
  if (!objects) return { ok: false, problems };
  const map = new Map<string, string>();
  for (const [id, v] of objects) {
    if (map.has(id)) bad(id, 'APPEARS TWICE');
    map.set(id, v);
  }
  if (objects[0]?.[0] !== '00') bad('00', 'MUST BE THE FIRST DATA OBJECT');
  if (map.get('00') !== '01') bad('00', 'MUST BE 01');
  const last = objects[objects.length - 1];
  const crc = map.get('63');
  if (crc === undefined) bad('63', 'IS MISSING');
  else if (last?.[0] !== '63') bad('63', 'MUST BE THE LAST DATA OBJECT');
  else if (!/^[0-9A-F]{4}$/.test(crc)) bad('63', 'MUST BE 4 UPPER-CASE HEX DIGITS');
  else if (last?.[0] === '63' && crc !== crc16(payload.slice(0, payload.length - 4)))
    bad(
      '63',
      `DOES NOT MATCH: THE PAYLOAD'S CRC-16/CCITT-FALSE IS ${crc16(payload.slice(0, payload.length - 4))}`,
    );

  const initiation = map.get('01');
  if (initiation !== '11' && initiation !== '12') bad('01', 'MUST BE 11 (STATIC) OR 12 (DYNAMIC)');
  const model: QrModel = {
    InitiationMethod: initiation === '12' ? '12' : '11',
    PayeeBankIMD: '',
    PayeeAccountNumber: '',
    MCC: map.get('52') ?? '',
    MerchantName: map.get('59') ?? '',
    MerchantCity: map.get('60') ?? '',
  };
  const payee = map.get('26');
  if (payee === undefined) bad('26', 'IS MISSING');
  else {
    const subs = split(payee, '26', problems);
    const s = new Map(subs ?? []);
    if (subs && s.get('00') !== NETWORK_GUID)
      bad('26', `SUB-ID 00 MUST BE THE NETWORK'S GUID ${NETWORK_GUID}`, 'GloballyUniqueIdentifier');
    model.PayeeBankIMD = s.get('01') ?? '';
    model.PayeeAccountNumber = s.get('02') ?? '';
    if (subs && !/^\d{6,11}$/.test(model.PayeeBankIMD))
      bad('26', 'SUB-ID 01 MUST BE 6-11 DIGITS', 'PayeeBankIMD');
    if (subs && !/^[0-9A-Za-z]{1,24}$/.test(model.PayeeAccountNumber))
      bad('26', 'SUB-ID 02 MUST BE 1-24 LETTERS OR DIGITS', 'PayeeAccountNumber');
  }
  const product = map.get('27');
  if (product !== undefined) {
    const subs = split(product, '27', problems);
    const s = new Map(subs ?? []);
    if (subs && s.get('00') !== NETWORK_GUID)
      bad('27', `SUB-ID 00 MUST BE THE NETWORK'S GUID ${NETWORK_GUID}`, 'GloballyUniqueIdentifier');
    const code = s.get('01');
    if (subs && (!code || code.length > 44)) bad('27', 'SUB-ID 01 MUST BE 1-44 CHARACTERS', 'ProductCode');
    if (code) model.ProductCode = code;
  }
  if (!/^\d{4}$/.test(model.MCC)) bad('52', 'MUST BE 4 DIGITS');
  if (map.get('53') !== '586') bad('53', 'MUST BE 586 (PKR)');
  const amount = map.get('54');
  if (amount !== undefined) {
    if (!AMOUNT.test(amount) || amount.length > 13)
      bad('54', 'MUST BE RUPEES WITH AT MOST 2 DECIMALS, AT MOST 13 CHARACTERS');
    else model.amountPaisa = Math.round(Number(amount) * 100);
    if (initiation === '11') bad('54', 'NOT ALLOWED IN A STATIC (11) PAYLOAD');
  } else if (initiation === '12') bad('54', 'IS MISSING: A DYNAMIC (12) PAYLOAD CARRIES THE AMOUNT');
  const conv = map.get('55');
  if (conv !== undefined) {
    if (conv !== '01' && conv !== '02' && conv !== '03') bad('55', 'MUST BE 01, 02 OR 03');
    else model.ConvenienceInd = conv;
    if (conv === '02') {
      const v = map.get('56');
      if (!v || !AMOUNT.test(v)) bad('56', 'MUST BE AN AMOUNT WITH INDICATOR 02');
      else model.ConvenienceFeeValue = v;
    }
    if (conv === '03') {
      const v = map.get('57');
      if (!v || !/^\d{1,2}(?:\.\d{1,2})?$/.test(v)) bad('57', 'MUST BE A PERCENTAGE WITH INDICATOR 03');
      else model.ConvenienceFeePercentage = v;
    }
  }
  if (map.get('58') !== 'PK') bad('58', 'MUST BE PK');
  if (!model.MerchantName || model.MerchantName.length > 25) bad('59', 'MUST BE 1-25 CHARACTERS');
  if (!model.MerchantCity || model.MerchantCity.length > 15) bad('60', 'MUST BE 1-15 CHARACTERS');
  const postal = map.get('61');
  if (postal !== undefined) {
    if (!postal || postal.length > 10) bad('61', 'MUST BE 1-10 CHARACTERS');
    else model.PostalCode = postal;
  }
  const add = map.get('62');
  if (add !== undefined) {
    const subs = split(add, '62', problems);
    if (subs) {
      const byTag = new Map(
        Object.entries(ADDITIONAL_DATA_TAGS).map(([k, v]) => [v, k as AdditionalDataField]),
      );
      const data: Partial<Record<AdditionalDataField, string>> = {};
      for (const [id, v] of subs) {
        const name = byTag.get(id as (typeof ADDITIONAL_DATA_TAGS)[AdditionalDataField]);
        if (!name) continue; // 10-49 RFU, 50-99 payment-system templates: kept out of the model.
        if (v.length > 25) bad('62', `SUB-ID ${id} MUST BE AT MOST 25 CHARACTERS`, name);
        data[name] = v;
      }
      model.AdditionalData = data;
    }
  }
  if (initiation === '12' && !model.AdditionalData?.ReferenceID)
    bad('62', 'SUB-ID 05 (REFERENCE) IS MISSING: A DYNAMIC (12) PAYLOAD CARRIES A REFERENCE', 'ReferenceID');
  const lang = map.get('64');
  if (lang !== undefined) {
    const subs = split(lang, '64', problems);
    if (subs) {
      const t: Partial<Record<LanguageField, string>> = {};
      for (const [id, v] of subs) {
        const name = (Object.keys(LANGUAGE_TAGS) as LanguageField[]).find((k) => LANGUAGE_TAGS[k] === id);
        if (name) t[name] = v;
      }
      model.MerchantLanguageInfoTemplate = t;
    }
  }
  for (const id of map.keys()) {
    const n = Number(id);
    if (!(id in FIELD_NAMES) && !(n >= 2 && n <= 51) && !(n >= 65 && n <= 99))
      bad(id, 'IS NOT A DATA OBJECT OF A MERCHANT-PRESENTED PAYLOAD');
  }
  return problems.length ? { ok: false, problems } : { ok: true, model };
}
