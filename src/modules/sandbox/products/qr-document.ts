import { generatePayload } from '../qr/emv.ts';
import type { ProductSpec } from './product-spec.ts';
import {
  QR_CODES,
  qrGetCodeRequest,
  qrGetCodeResponse,
  qrParseRequest,
  qrParseResponse,
} from './qr-schemas.ts';

/**
 * What the 1QR product's OpenAPI document says beyond its schemas (qr-schemas.ts): summaries,
 * descriptions and examples that work in every organisation's sandbox.
 */
const dynamicRequest = {
  InitiationMethod: '12',
  MerchantAccountInformationPayee: {
    GloballyUniqueIdentifier: 'A000000736',
    PayeeBankIMD: '221166',
    PayeeAccountNumber: '9990000000001001',
  },
  MerchantAccountInformationProduct: { GloballyUniqueIdentifier: 'A000000736', ProductCode: '000081' },
  MCC: '5411',
  CurrencyCode: '586',
  TransactionAmount: '000000250000',
  CountryCode: 'PK',
  MerchantName: 'DARWAZA GROCERS',
  MerchantCity: 'KARACHI',
  AdditionalData: { ReferenceID: 'INV-1001', StoreID: 'STORE-7', TerminalID: 'T01' },
};
const examplePayload = generatePayload({
  InitiationMethod: '12',
  PayeeBankIMD: '221166',
  PayeeAccountNumber: '9990000000001001',
  ProductCode: '000081',
  MCC: '5411',
  amountPaisa: 250000,
  MerchantName: 'DARWAZA GROCERS',
  MerchantCity: 'KARACHI',
  AdditionalData: { StoreID: 'STORE-7', ReferenceID: 'INV-1001', TerminalID: 'T01' },
});

export const qrProduct: ProductSpec = {
  slug: '1qr',
  name: '1QR',
  description:
    'Merchant-presented QR codes (EMVCo): generate static and dynamic 1QR codes and check payloads.',
  title: '1QR REST (Darwaza sandbox)',
  intro: [
    '1QR in the network’s shape: getQRCode takes the nested PascalCase request third-party clients send and answers 0000 with the EMVCo merchant-presented payload drawn as a QR image (base64 PNG, or SVG on request).',
    'TransactionAmount: canonical form 12 digits with implied paisa (000000250000); plain rupees (2500, 2500.50) are accepted too. parseQRCode is Darwaza’s own: it reads a payload back and names every bad field, the CRC included.',
  ],
  codes: QR_CODES,
  tag: '1QR',
  tagDescription: 'Merchant-presented QR codes.',
  operations: [
    {
      path: '/qr-rest-service/getQRCode',
      operationId: 'qrGetCode',
      summary: 'Generate a 1QR code',
      description:
        'Static (InitiationMethod 11) or dynamic (12, with TransactionAmount and AdditionalData.ReferenceID) merchant-presented payload per EMVCo with the network’s GUID A000000736, MCC, currency 586, country PK, name, city, additional data and the CRC-16/CCITT-FALSE; QRCode is the image in base64.',
      request: qrGetCodeRequest,
      response: qrGetCodeResponse,
      example: dynamicRequest,
      responseExamples: {
        ok: {
          summary: '0000 processed (image shortened)',
          value: {
            ResponseCode: '0000',
            ResponseDetail: 'PROCESSED OK',
            QRCode: 'iVBORw0KGgo…',
            QRString: examplePayload,
            ImageType: 'image/png',
          },
        },
        missing: {
          summary: '0080 a required field missing',
          value: {
            ResponseCode: '0080',
            ResponseDetail: 'MESSAGE FORMAT ERROR: FIELD MCC IS MISSING',
            QRCode: '',
            QRString: '',
            ImageType: '',
          },
        },
      },
    },
    {
      path: '/qr-rest-service/parseQRCode',
      operationId: 'qrParseCode',
      summary: 'Check a 1QR payload',
      description:
        'Reads an EMVCo merchant-presented payload and answers its fields in getQRCode’s request shape (0000), or 0009 with every bad field named (tag, field, problem), the CRC included. Darwaza’s own operation.',
      request: qrParseRequest,
      response: qrParseResponse,
      example: { QRString: examplePayload },
      responseExamples: {
        ok: {
          summary: '0000 a valid payload',
          value: {
            ResponseCode: '0000',
            ResponseDetail: 'PROCESSED OK',
            QRData: dynamicRequest,
            Errors: [],
          } as never,
        },
        bad: {
          summary: '0009 bad fields named',
          value: {
            ResponseCode: '0009',
            ResponseDetail: 'FIELD ERROR: CountryCode MUST BE PK; CRC DOES NOT MATCH',
            QRData: null,
            Errors: [
              { Tag: '58', Field: 'CountryCode', Problem: 'MUST BE PK' },
              { Tag: '63', Field: 'CRC', Problem: 'DOES NOT MATCH' },
            ],
          } as never,
        },
      },
    },
  ],
};
