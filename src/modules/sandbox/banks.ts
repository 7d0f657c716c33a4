/**
 * Member banks of the simulated network: the real 1LINK IMDs and 4-letter bank codes from the public
 * list (docs/reference facts §5), plus the sandbox model bank. Banks without a published 4-letter
 * code in that list carry `code: null`: their accounts have no IBAN (wallets are addressed by mobile).
 */
export type MemberBank = {
  imd: string;
  code: string | null;
  shortName: string;
  name: string;
  /** Mobile-wallet institution: accounts are the customer's mobile number. */
  wallet?: boolean;
};

/** The sandbox model bank (1LINK's UAT uses 221166 as "1Link Model Bank"); DRWZ is our own code. */
export const MODEL_BANK: MemberBank = {
  imd: '221166',
  code: 'DRWZ',
  shortName: 'Model Bank',
  name: '1LINK Model Bank (Darwaza sandbox)',
};

export const MEMBER_BANKS: MemberBank[] = [
  { imd: '589430', code: 'ABPA', shortName: 'ABL', name: 'Allied Bank Limited' },
  { imd: '639530', code: 'AIIN', shortName: 'Al Baraka', name: 'Al Baraka Bank (Pakistan) Limited' },
  { imd: '603011', code: 'ASCM', shortName: 'Askari', name: 'Askari Bank Limited' },
  { imd: '627100', code: 'ALFH', shortName: 'Bank Alfalah', name: 'Bank Alfalah Limited' },
  { imd: '627197', code: 'BAHL', shortName: 'Bank Al Habib', name: 'Bank AL Habib Limited' },
  { imd: '639357', code: 'BKIP', shortName: 'BankIslami', name: 'BankIslami Pakistan Limited' },
  { imd: '627618', code: 'KHYB', shortName: 'BOK', name: 'The Bank of Khyber' },
  { imd: '623977', code: 'BPUN', shortName: 'BOP', name: 'The Bank of Punjab' },
  { imd: '508117', code: 'CITI', shortName: 'Citi', name: 'Citibank N.A. Pakistan' },
  { imd: '428273', code: 'DUIB', shortName: 'DIB', name: 'Dubai Islamic Bank Pakistan Limited' },
  { imd: '601373', code: 'FAYS', shortName: 'Faysal', name: 'Faysal Bank Limited' },
  { imd: '502841', code: null, shortName: 'FINCA', name: 'FINCA Microfinance Bank Limited' },
  { imd: '628138', code: 'FWOM', shortName: 'First Women', name: 'First Women Bank Limited' },
  { imd: '627408', code: 'MPBL', shortName: 'HabibMetro', name: 'Habib Metropolitan Bank Limited' },
  { imd: '600648', code: 'HABB', shortName: 'HBL', name: 'Habib Bank Limited' },
  { imd: '621464', code: 'ICBK', shortName: 'ICBC', name: 'Industrial and Commercial Bank of China' },
  { imd: '603733', code: 'JSBL', shortName: 'JS Bank', name: 'JS Bank Limited' },
  { imd: '589388', code: 'MUCB', shortName: 'MCB', name: 'MCB Bank Limited' },
  { imd: '507642', code: 'MCIB', shortName: 'MCB Islamic', name: 'MCB Islamic Bank Limited' },
  { imd: '627873', code: 'MEZN', shortName: 'Meezan', name: 'Meezan Bank Limited' },
  { imd: '958600', code: 'NBPA', shortName: 'NBP', name: 'National Bank of Pakistan' },
  { imd: '586010', code: null, shortName: 'NRSP', name: 'NRSP Microfinance Bank Limited' },
  { imd: '606101', code: 'SAMB', shortName: 'Samba', name: 'Samba Bank Limited' },
  { imd: '627544', code: 'SAUD', shortName: 'Silk', name: 'Silkbank Limited' },
  { imd: '505439', code: 'SIND', shortName: 'Sindh', name: 'Sindh Bank Limited' },
  { imd: '786110', code: 'SONE', shortName: 'Soneri', name: 'Soneri Bank Limited' },
  { imd: '627271', code: 'SCBL', shortName: 'SCB', name: 'Standard Chartered Bank (Pakistan) Limited' },
  { imd: '604781', code: 'SUMB', shortName: 'Summit', name: 'Summit Bank Limited' },
  { imd: '588974', code: 'UNIL', shortName: 'UBL', name: 'United Bank Limited' },
  { imd: '581862', code: null, shortName: 'Apna', name: 'Apna Microfinance Bank Limited' },
  { imd: '629116', code: null, shortName: 'CDNS', name: 'Central Directorate of National Savings' },
  {
    imd: '585953',
    code: null,
    shortName: 'JazzCash',
    name: 'JazzCash (Mobilink Microfinance Bank)',
    wallet: true,
  },
  {
    imd: '639390',
    code: null,
    shortName: 'Easypaisa',
    name: 'Easypaisa (Telenor Microfinance Bank)',
    wallet: true,
  },
  { imd: '559049', code: null, shortName: 'SadaPay', name: 'SadaPay', wallet: true },
  { imd: '581886', code: null, shortName: 'UBank', name: 'U Microfinance Bank Limited' },
];

export const ALL_BANKS: MemberBank[] = [MODEL_BANK, ...MEMBER_BANKS];

const byImd = new Map(ALL_BANKS.map((b) => [b.imd, b]));

export function bankByImd(imd: string): MemberBank | undefined {
  return byImd.get(imd);
}
