import type { SuiteInput } from './suite-schema.ts';

/**
 * The suites Darwaza ships (docs/conformance.md explains each case): written to the database the
 * first time the module starts, for a product that has no suite row yet — an operator's edit (even
 * to an empty suite) is never overwritten. They go through the same validation as an edit.
 */
export const SEED_SUITES: Record<string, SuiteInput> = {
  ibft: {
    cases: [
      {
        id: 'title-fetch',
        title: 'Fetch an account title',
        description: 'A title fetch answered 00 PROCESSED OK.',
        operations: ['ibftTitleFetch'],
        networkCodes: ['00'],
        match: [],
        retired: false,
      },
      {
        id: 'transfer',
        title: 'Transfer funds',
        description: 'A funds transfer answered 00 PROCESSED OK.',
        operations: ['ibftFundsTransfer'],
        networkCodes: ['00'],
        match: [],
        retired: false,
      },
      {
        id: 'invalid-account',
        title: 'Handle an invalid account',
        description:
          'A title fetch or transfer to an account that does not exist, answered 02 INVALID ACCOUNT.',
        operations: ['ibftTitleFetch', 'ibftFundsTransfer'],
        networkCodes: ['02'],
        match: [],
        retired: false,
      },
      {
        id: 'insufficient-funds',
        title: 'Handle insufficient funds',
        description: 'A transfer from an account without the money, answered 04 LOW BALANCE.',
        operations: ['ibftFundsTransfer'],
        networkCodes: ['04'],
        match: [],
        retired: false,
      },
      {
        id: 'timeout-resolved',
        title: 'Resolve a timed-out transfer',
        description:
          'After a transfer answered 58 TRANSACTION TIMEDOUT, a status inquiry or a reversal that names that transfer (OriginalRRN = its RRN) and is answered: 00, 30 (the network never saw it) or, for a reversal, 96 (nothing to undo).',
        operations: ['ibftStatusInquiry', 'ibftReversal'],
        networkCodes: ['00', '30', '96'],
        match: [],
        after: {
          operations: ['ibftFundsTransfer'],
          networkCodes: ['58'],
          match: [],
          link: [{ field: 'refs.originalRrn', earlierField: 'refs.rrn' }],
        },
        retired: false,
      },
      {
        id: 'duplicate-reference',
        title: 'Recognise a duplicate reference',
        description:
          'A transfer that reuses the RRN of a completed transfer of the same app is answered 10 DUPLICATE TRANSACTION.',
        operations: ['ibftFundsTransfer'],
        networkCodes: ['10'],
        match: [],
        after: {
          operations: ['ibftFundsTransfer'],
          networkCodes: ['00'],
          match: [],
          link: [{ field: 'refs.rrn', earlierField: 'refs.rrn' }],
        },
        retired: false,
      },
    ],
  },
  bills: {
    cases: [
      {
        id: 'inquiry',
        title: 'Inquire about a bill',
        description: 'A signed bill inquiry answered 00.',
        operations: ['billInquiry'],
        networkCodes: ['00'],
        match: [{ field: 'shape.signed', equals: true }],
        retired: false,
      },
      {
        id: 'payment-signed',
        title: 'Pay a bill with a correct HASH',
        description: 'A bill payment signed with the app’s key over the documented fields, answered 00.',
        operations: ['billPayment'],
        networkCodes: ['00'],
        match: [{ field: 'shape.signed', equals: true }],
        retired: false,
      },
      {
        id: 'hash-rejected',
        title: 'See a wrong HASH rejected',
        description:
          'A bill payment that carries a HASH which does not verify (for example computed over the wrong fields), answered 22 INVALID SIGNATURE. A missing HASH does not count.',
        operations: ['billPayment'],
        networkCodes: ['22'],
        match: [{ field: 'shape.signed', equals: true }],
        retired: false,
      },
      {
        id: 'void',
        title: 'Void a bill payment',
        description:
          'A void answered 00 that names a payment the app made (same AuthID and consumer number).',
        operations: ['voidBillPayment'],
        networkCodes: ['00'],
        match: [],
        after: {
          operations: ['billPayment'],
          networkCodes: ['00'],
          match: [],
          link: [
            { field: 'refs.authId', earlierField: 'refs.authId' },
            { field: 'refs.consumerNo', earlierField: 'refs.consumerNo' },
          ],
        },
        retired: false,
      },
    ],
  },
  '1qr': {
    cases: [
      {
        id: 'static-generate',
        title: 'Generate a static QR',
        description: 'getQRCode with InitiationMethod 11, answered 0000.',
        operations: ['qrGetCode'],
        networkCodes: ['0000'],
        match: [{ field: 'refs.qrInitiation', equals: '11' }],
        retired: false,
      },
      {
        id: 'dynamic-generate',
        title: 'Generate a dynamic QR',
        description: 'getQRCode with InitiationMethod 12 (amount and reference), answered 0000.',
        operations: ['qrGetCode'],
        networkCodes: ['0000'],
        match: [{ field: 'refs.qrInitiation', equals: '12' }],
        retired: false,
      },
      {
        id: 'static-parse',
        title: 'Parse a static QR payload',
        description: 'parseQRCode of a valid static payload, answered 0000.',
        operations: ['qrParseCode'],
        networkCodes: ['0000'],
        match: [{ field: 'refs.qrInitiation', equals: '11' }],
        retired: false,
      },
      {
        id: 'dynamic-parse',
        title: 'Parse a dynamic QR payload',
        description: 'parseQRCode of a valid dynamic payload, answered 0000.',
        operations: ['qrParseCode'],
        networkCodes: ['0000'],
        match: [{ field: 'refs.qrInitiation', equals: '12' }],
        retired: false,
      },
    ],
  },
};
