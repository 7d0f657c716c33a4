import { z } from 'zod';
import { ADDITIONAL_DATA_TAGS, NETWORK_GUID } from '../qr/emv.ts';
import { responseDetail } from '../wire-responses.ts';

/**
 * 1QR's messages (facts §3.6) as zod schemas: `getQRCode` in the nested PascalCase shape
 * third-party clients send, and Darwaza's own `parseQRCode` (a payload in, its fields or every bad
 * field out). The handlers (qr.ts) validate with these and the 1QR document is generated from them.
 *
 * TransactionAmount comes in the two forms clients send: 12-digit paisa (`000000250000`, the
 * canonical form, as in every other sandbox message) or plain rupees (`2500`, `2500.5`, `2500.50`:
 * at most 13 characters, at most 2 decimals). A 12-digit value of digits only is always paisa.
 */
export const QR_CODES = {
  '0000': 'PROCESSED OK',
  '0009': 'FIELD ERROR',
  '0080': 'MESSAGE FORMAT ERROR',
  '0094': 'PERMISSION DENIED',
} as const;
export type QrCode = keyof typeof QR_CODES;

const str = (max: number, description: string) => z.string().max(max).meta({ description });
const opt = (max: number, description: string) => str(max, description).nullable().optional();
const pattern = (re: RegExp, rule: string, description: string) =>
  z.string().max(34).regex(re, rule).meta({ description });

export const PAISA_12 = /^\d{12}$/;
const RUPEES = /^(?:0|[1-9]\d{0,9})(?:\.\d{1,2})?$/;

const guid = z
  .string()
  .max(32)
  .refine((v) => v === NETWORK_GUID, `MUST BE THE NETWORK'S GUID ${NETWORK_GUID}`)
  .nullable()
  .optional()
  .meta({
    description: `The network's globally unique identifier, ${NETWORK_GUID} (the default when absent).`,
  });

const additional = Object.fromEntries(
  Object.keys(ADDITIONAL_DATA_TAGS).map((k) => [
    k,
    opt(
      25,
      `EMV tag 62 sub-ID ${ADDITIONAL_DATA_TAGS[k as keyof typeof ADDITIONAL_DATA_TAGS]}, at most 25 characters.`,
    ),
  ]),
) as Record<keyof typeof ADDITIONAL_DATA_TAGS, ReturnType<typeof opt>>;

export const qrGetCodeRequest = z
  .looseObject({
    InitiationMethod: z
      .enum(['11', '12'])
      .meta({ description: '11 static (no amount), 12 dynamic (amount and AdditionalData.ReferenceID).' }),
    MerchantAccountInformationPayee: z
      .looseObject({
        GloballyUniqueIdentifier: guid,
        PayeeBankIMD: pattern(
          /^\d{6,11}$/,
          'MUST BE 6-11 DIGITS',
          'IMD of the payee’s bank (6 digits, may be padded to 11).',
        ),
        PayeeAccountNumber: pattern(
          /^[0-9A-Za-z]{1,24}$/,
          'MUST BE 1-24 LETTERS OR DIGITS',
          'The payee’s account number or IBAN (at most 24).',
        ),
      })
      .meta({ description: 'EMV tag 26: the network’s merchant account template.' }),
    MerchantAccountInformationProduct: z
      .looseObject({ GloballyUniqueIdentifier: guid, ProductCode: opt(44, 'Product code, e.g. 000081.') })
      .nullable()
      .optional()
      .meta({ description: 'EMV tag 27: the product template.' }),
    MCC: pattern(/^\d{4}$/, 'MUST BE 4 DIGITS', 'Merchant category code (EMV tag 52).'),
    CurrencyCode: z.literal('586').meta({ description: 'ISO 4217 numeric: 586 (PKR) only (EMV tag 53).' }),
    TransactionAmount: z
      .string()
      .max(13)
      .refine(
        (v) => v === '' || PAISA_12.test(v) || (RUPEES.test(v) && v.length <= 13),
        'MUST BE 12 DIGITS OF PAISA OR RUPEES WITH AT MOST 2 DECIMALS',
      )
      .nullable()
      .optional()
      .meta({
        description:
          'Dynamic (12) only. Canonical: 12 digits with implied paisa (000000250000 = PKR 2,500.00); plain rupees (2500, 2500.50) are accepted too. The payload carries rupees (EMV tag 54: 2500.00).',
      }),
    ConvenienceInd: z
      .enum(['01', '02', '03'])
      .nullable()
      .optional()
      .meta({ description: 'EMV tag 55: 01 prompt, 02 fixed fee, 03 percentage.' }),
    ConvenienceFeeValue: z
      .string()
      .max(13)
      .regex(/^(|(?:0|[1-9]\d{0,9})(?:\.\d{1,2})?)$/, 'MUST BE RUPEES')
      .nullable()
      .optional()
      .meta({ description: 'EMV tag 56 (with 02), rupees.' }),
    ConvenienceFeePercentage: z
      .string()
      .max(5)
      .regex(/^(|\d{1,2}(?:\.\d{1,2})?)$/, 'MUST BE A PERCENTAGE')
      .nullable()
      .optional()
      .meta({ description: 'EMV tag 57 (with 03).' }),
    CountryCode: z.literal('PK').meta({ description: 'EMV tag 58: PK.' }),
    MerchantName: z.string().min(1).max(25).meta({ description: 'EMV tag 59, at most 25 characters.' }),
    MerchantCity: z.string().min(1).max(15).meta({ description: 'EMV tag 60, at most 15 characters.' }),
    PostalCode: opt(10, 'EMV tag 61.'),
    AdditionalData: z
      .looseObject(additional)
      .nullable()
      .optional()
      .meta({ description: 'EMV tag 62 (at most 99 characters encoded).' }),
    MerchantLanguageInfoTemplate: z
      .looseObject({
        LanguagePreference: opt(2, 'ISO 639 code, e.g. ur.'),
        MerchantNameAlternateLanguage: opt(25, 'Name in the alternate language.'),
        MerchantCityAlternateLanguage: opt(15, 'City in the alternate language.'),
        RFUforEMVCo: opt(99, 'Reserved for EMVCo; not written into the payload.'),
      })
      .nullable()
      .optional()
      .meta({ description: 'EMV tag 64.' }),
    ImageFormat: z.enum(['PNG', 'SVG']).nullable().optional().meta({
      description: 'Darwaza’s addition: PNG (default) or SVG; QRCode is the image in base64 either way.',
    }),
  })
  .meta({ title: 'QrGetCodeRequest' });

export const qrGetCodeResponse = z
  .strictObject({
    ResponseCode: z.enum(Object.keys(QR_CODES) as [QrCode, ...QrCode[]]).meta({
      description: Object.entries(QR_CODES)
        .map(([c, t]) => `${c} ${t}`)
        .join('; '),
    }),
    ResponseDetail: responseDetail(),
    QRCode: z
      .string()
      .max(200_000)
      .meta({ description: 'The image, base64 (PNG unless ImageFormat SVG); empty on failure.' }),
    QRString: z
      .string()
      .max(512)
      .meta({ description: 'Darwaza’s addition: the EMVCo payload in the image; empty on failure.' }),
    ImageType: z
      .enum(['image/png', 'image/svg+xml', ''])
      .meta({ description: 'Darwaza’s addition: the image’s media type.' }),
  })
  .meta({ title: 'QrGetCodeResponse' });

export const qrParseRequest = z
  .looseObject({
    QRString: z
      .string()
      .min(1)
      .max(4096)
      .meta({ description: 'The EMVCo merchant-presented payload to check.' }),
  })
  .meta({ title: 'QrParseRequest' });

const problem = z.strictObject({
  Tag: z.string().max(5),
  Field: z.string().max(64),
  Problem: z.string().max(200),
});

export const qrParseResponse = z
  .strictObject({
    ResponseCode: z.enum(Object.keys(QR_CODES) as [QrCode, ...QrCode[]]),
    ResponseDetail: responseDetail(),
    /** The payload's fields in getQRCode's request shape (TransactionAmount as 12-digit paisa). */
    QRData: z.record(z.string(), z.unknown()).nullable().meta({
      description:
        'The payload read back in getQRCode’s request shape (TransactionAmount in 12-digit paisa); null when invalid.',
    }),
    Errors: z
      .array(problem)
      .max(64)
      .meta({ description: 'Every bad field: its EMV tag, its name and what is wrong (CRC included).' }),
  })
  .meta({ title: 'QrParseResponse' });
