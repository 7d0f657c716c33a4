import { MEMBER_BANKS, type MemberBank, MODEL_BANK } from './banks.ts';
import { makeIban, RESERVED, withLuhn } from './identifiers.ts';
import { createPrng, type Prng } from './prng.ts';

/**
 * The simulated world an organisation starts with: accounts at every member bank, the model bank's
 * scenario accounts, billers and their bills. Pure: the same seed and day give the same world, so
 * reset restores it exactly. Every identifier comes from the reserved ranges in identifiers.ts.
 */
export type AccountStatus = 'active' | 'inactive' | 'blocked' | 'dormant';
/** Behaviour attached to an account regardless of status (documented scenario values). */
export type AccountScenario =
  | 'credit_cap'
  | 'host_down'
  | 'timeout'
  | 'reject'
  /** The transfer is posted, then its answer is lost: the client gets 58 after the delay. */
  | 'lost_posted'
  /** The transfer is recorded as timed out (58) without moving money, and its answer is lost. */
  | 'lost_unposted'
  /** The beneficiary's side declines with one of the codes of real test captures (DECLINE_SCENARIOS). */
  | `decline_${DeclineCode}`;

/**
 * Beneficiary accounts at the model bank that make the network decline with one of the nine codes
 * seen in 1LINK's real test captures (facts §4), each with the reference's meaning. The account
 * number ends in the code (as 55, 58 and 95 do). Title fetch and funds transfer both answer it.
 */
export const DECLINE_SCENARIOS = {
  '17': 'The beneficiary bank does not know the authorisation mode of the channel (MerchantType / PosEntMode): unknown auth mode.',
  '26': 'The beneficiary bank had an internal error.',
  '46': 'The beneficiary bank is unable to process the transaction now.',
  '59': 'The beneficiary bank’s host rejects the transaction.',
  '63': 'The network cannot find a destination (route) for the beneficiary account.',
  '65': 'The beneficiary account does not allow cash transactions (a funds transfer counts as one).',
  '66': 'No transaction is allowed on the beneficiary account.',
  '77': 'The beneficiary bank asks you to refer to the issuer before retrying.',
  '90': 'The beneficiary bank has no customer record behind this account.',
} as const;
export type DeclineCode = keyof typeof DECLINE_SCENARIOS;
export type AccountRole = 'customer' | 'settlement' | 'collection';

export type WorldAccount = {
  imd: string;
  accountNo: string;
  bankCode: string | null;
  iban: string | null;
  title: string;
  branchName: string;
  cnic: string;
  mobile: string;
  cardPan: string;
  /** 1LINK account-type codes: 00 default, 10 savings, 20 current, 40 branchless, 60 Roshan Digital. */
  accountType: string;
  currency: '586';
  /** Paisa. */
  balance: number;
  dailyLimit: number;
  /** Largest balance the account may hold (Asaan-style accounts), paisa; null when unlimited. */
  maxBalance: number | null;
  status: AccountStatus;
  scenario: AccountScenario | null;
  role: AccountRole;
};

export type BillStatus = 'U' | 'P' | 'B' | 'T';
export type WorldBiller = {
  companyCode: string;
  name: string;
  partialAllowed: boolean;
  status: 'active' | 'down';
  collectionImd: string;
  collectionAccount: string;
};
export type WorldBill = {
  companyCode: string;
  consumerNo: string;
  consumerName: string;
  billStatus: BillStatus;
  /** yyyyMMdd */
  dueDate: string;
  /** YYMM */
  billingMonth: string;
  amountWithin: number;
  amountAfter: number;
  amountPaid: number;
  datePaid: string | null;
  tranAuthId: string | null;
  scenario: 'timeout' | null;
};

export type World = { accounts: WorldAccount[]; billers: WorldBiller[]; bills: WorldBill[] };

export const DEFAULT_WORLD_SEED = 'darwaza-sandbox-world-v1';

const MALE = [
  'Muhammad',
  'Ahmed',
  'Ali',
  'Hassan',
  'Usman',
  'Bilal',
  'Imran',
  'Faisal',
  'Zeeshan',
  'Kamran',
  'Asad',
  'Hamza',
  'Omar',
  'Junaid',
  'Tariq',
  'Shahid',
  'Waqas',
  'Salman',
  'Danish',
  'Rizwan',
];
const FEMALE = [
  'Ayesha',
  'Fatima',
  'Zainab',
  'Sana',
  'Hira',
  'Maryam',
  'Amna',
  'Sadia',
  'Nida',
  'Rabia',
  'Mahnoor',
  'Iqra',
  'Saima',
  'Farah',
  'Khadija',
  'Bushra',
  'Kiran',
  'Mehwish',
  'Noor',
  'Uzma',
];
const SURNAMES = [
  'Khan',
  'Ahmed',
  'Malik',
  'Qureshi',
  'Siddiqui',
  'Butt',
  'Chaudhry',
  'Sheikh',
  'Raza',
  'Hussain',
  'Abbasi',
  'Baig',
  'Mirza',
  'Javed',
  'Akhtar',
  'Iqbal',
  'Shah',
  'Memon',
  'Baloch',
  'Khattak',
];
const CITIES = [
  'Karachi',
  'Lahore',
  'Islamabad',
  'Rawalpindi',
  'Faisalabad',
  'Multan',
  'Peshawar',
  'Quetta',
  'Hyderabad',
  'Sialkot',
];
const BRANCHES = ['Main Branch', 'Saddar', 'Gulberg', 'Clifton', 'Blue Area', 'Cantt', 'Model Town', 'DHA'];

const PKR = (rupees: number) => Math.round(rupees * 100);

/** Account numbers of the model bank's documented accounts (16 digits in the reserved block). */
export const SCENARIO_ACCOUNTS = {
  settlement: `${RESERVED.accountPrefix}000000000000`,
  creditCap: `${RESERVED.accountPrefix}000000000001`,
  inactive: `${RESERVED.accountPrefix}000000000003`,
  dormant: `${RESERVED.accountPrefix}000000000021`,
  hostDown: `${RESERVED.accountPrefix}000000000055`,
  timeout: `${RESERVED.accountPrefix}000000000058`,
  blocked: `${RESERVED.accountPrefix}000000000067`,
  reject: `${RESERVED.accountPrefix}000000000095`,
  happy1: `${RESERVED.accountPrefix}000000001001`,
  happy2: `${RESERVED.accountPrefix}000000001002`,
  happy3: `${RESERVED.accountPrefix}000000001003`,
  lowBalanceSender: `${RESERVED.accountPrefix}000000002004`,
  limitSender: `${RESERVED.accountPrefix}000000002001`,
  billCollection: `${RESERVED.accountPrefix}000000003000`,
  /** Issue 34: the transfer's answer is lost (58) after it was posted / without posting. */
  lostPosted: `${RESERVED.accountPrefix}000000005800`,
  lostUnposted: `${RESERVED.accountPrefix}000000005801`,
} as const;

/** The model bank account that answers a DECLINE_SCENARIOS code: 16 digits ending in the code. */
const declineAccount = (code: DeclineCode) => `${RESERVED.accountPrefix}0000000000${code}`;

type Person = { title: string; cnic: string; mobile: string };

function person(rng: Prng, serial: number): Person {
  const female = rng.next() < 0.45;
  const first = rng.pick(female ? FEMALE : MALE);
  const last = rng.pick(SURNAMES);
  // CNIC: reserved prefix, 10 digits, last digit odd for men and even for women.
  const lastDigit = female ? rng.pick([0, 2, 4, 6, 8]) : rng.pick([1, 3, 5, 7, 9]);
  const cnic = `${RESERVED.cnicPrefix}${String(serial).padStart(4, '0')}${rng.digits(6)}${lastDigit}`;
  const mobile = `${RESERVED.mobilePrefix}${String(serial).padStart(7, '0')}`;
  return { title: `${first} ${last}`.toUpperCase(), cnic, mobile };
}

function account(
  rng: Prng,
  bank: MemberBank,
  accountNo: string,
  p: Person,
  over: Partial<WorldAccount>,
): WorldAccount {
  return {
    imd: bank.imd,
    accountNo,
    bankCode: bank.code,
    iban: bank.code && !bank.wallet ? makeIban(bank.code, accountNo) : null,
    title: p.title,
    branchName: `${rng.pick(CITIES).toUpperCase()} ${rng.pick(BRANCHES).toUpperCase()}`,
    cnic: p.cnic,
    mobile: p.mobile,
    cardPan: withLuhn(`${RESERVED.cardBin}${accountNo.slice(-9)}`),
    accountType: bank.wallet ? '40' : rng.pick(['00', '10', '20', '10', '60']),
    currency: '586',
    balance: PKR(rng.int(5_000, 2_500_000)),
    dailyLimit: PKR(rng.pick([500_000, 1_000_000, 2_500_000])),
    maxBalance: null,
    status: 'active',
    scenario: null,
    role: 'customer',
    ...over,
  };
}

function ymd(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
}

/**
 * Generates the world. `dayMs` is the start of the business day (Pakistan time) the world is made
 * on: bill due dates are relative to it, so "within due date" and "overdue" bills stay meaningful.
 */
export function generateWorld(seed: string, dayMs: number): World {
  const rng = createPrng(seed);
  let serial = 1;
  const accounts: WorldAccount[] = [];
  const m = MODEL_BANK;
  const fixed = (no: string, over: Partial<WorldAccount>, title?: string) => {
    const p = person(rng, serial++);
    accounts.push(account(rng, m, no, title ? { ...p, title } : p, over));
  };
  const S = SCENARIO_ACCOUNTS;
  fixed(
    S.settlement,
    { balance: PKR(100_000_000), dailyLimit: PKR(10_000_000_000), role: 'settlement', accountType: '20' },
    'DARWAZA SANDBOX SETTLEMENT',
  );
  fixed(S.creditCap, { balance: PKR(20_000), maxBalance: PKR(200_000), accountType: '40' });
  fixed(S.inactive, { status: 'inactive' });
  fixed(S.dormant, { status: 'dormant' });
  fixed(S.hostDown, { scenario: 'host_down' });
  fixed(S.timeout, { scenario: 'timeout' });
  fixed(S.blocked, { status: 'blocked' });
  fixed(S.reject, { scenario: 'reject' });
  fixed(S.happy1, { balance: PKR(250_000), dailyLimit: PKR(1_000_000), accountType: '10' });
  fixed(S.happy2, { balance: PKR(1_500_000), dailyLimit: PKR(2_500_000), accountType: '20' });
  fixed(S.happy3, { balance: PKR(75_000), dailyLimit: PKR(500_000), accountType: '60' });
  fixed(S.lowBalanceSender, { balance: PKR(100), dailyLimit: PKR(500_000), accountType: '10' });
  fixed(S.limitSender, { balance: PKR(500_000), dailyLimit: PKR(5_000), accountType: '10' });
  fixed(
    S.billCollection,
    { balance: 0, dailyLimit: PKR(10_000_000_000), role: 'collection', accountType: '20' },
    'DARWAZA BILLER COLLECTIONS',
  );

  // Customers at every member bank: three each, one of them not active at some banks.
  MEMBER_BANKS.forEach((bank, i) => {
    for (let j = 1; j <= 3; j++) {
      const p = person(rng, serial++);
      const no = bank.wallet
        ? p.mobile
        : `${RESERVED.accountPrefix}${String(i + 1).padStart(3, '0')}${String(j).padStart(3, '0')}${rng.digits(6)}`;
      const status: AccountStatus =
        j === 3 && i % 4 === 1 ? rng.pick(['inactive', 'blocked', 'dormant']) : 'active';
      accounts.push(account(rng, bank, no, p, { status }));
    }
  });

  const billers: WorldBiller[] = [
    {
      companyCode: 'DELEC001',
      name: 'Darwaza Electric Supply (simulated)',
      partialAllowed: false,
      status: 'active',
      collectionImd: m.imd,
      collectionAccount: S.billCollection,
    },
    {
      companyCode: 'DGASCO01',
      name: 'Darwaza Gas Company (simulated)',
      partialAllowed: false,
      status: 'active',
      collectionImd: m.imd,
      collectionAccount: S.billCollection,
    },
    {
      companyCode: 'DTELCO01',
      name: 'Darwaza Telecom Postpaid (simulated)',
      partialAllowed: false,
      status: 'active',
      collectionImd: m.imd,
      collectionAccount: S.billCollection,
    },
    {
      companyCode: 'DUNIV001',
      name: 'Darwaza University Fees (simulated)',
      partialAllowed: true,
      status: 'active',
      collectionImd: m.imd,
      collectionAccount: S.billCollection,
    },
    {
      companyCode: 'DWATER01',
      name: 'Darwaza Water Board (simulated, host down)',
      partialAllowed: false,
      status: 'down',
      collectionImd: m.imd,
      collectionAccount: S.billCollection,
    },
  ];

  const DAY = 86_400_000;
  const month = new Date(dayMs);
  const billingMonth = `${String(month.getUTCFullYear() % 100).padStart(2, '0')}${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
  const bills: WorldBill[] = [];
  const bill = (companyCode: string, consumerNo: string, over: Partial<WorldBill>) => {
    const within = PKR(rng.int(500, 25_000));
    const p = person(rng, serial++);
    bills.push({
      companyCode,
      consumerNo,
      consumerName: p.title.slice(0, 30),
      billStatus: 'U',
      dueDate: ymd(dayMs + 15 * DAY),
      billingMonth,
      amountWithin: within,
      amountAfter: within + Math.round(within / 10),
      amountPaid: 0,
      datePaid: null,
      tranAuthId: null,
      scenario: null,
      ...over,
    });
  };
  bill('DELEC001', '9900100001', {});
  bill('DELEC001', '9900100002', { billStatus: 'P', datePaid: ymd(dayMs - 3 * DAY), tranAuthId: '310001' });
  bill('DELEC001', '9900100003', { billStatus: 'B' });
  bill('DELEC001', '9900100004', { dueDate: ymd(dayMs - 10 * DAY) });
  bill('DELEC001', '9900100005', { scenario: 'timeout' });
  bill('DGASCO01', '9900200001', {});
  bill('DGASCO01', '9900200002', { dueDate: ymd(dayMs - 5 * DAY) });
  bill('DTELCO01', `${RESERVED.mobilePrefix}0000901`, {});
  bill('DUNIV001', '9900400001', { billStatus: 'T', amountWithin: PKR(120_000), amountAfter: PKR(125_000) });
  bill('DUNIV001', '9900400002', {
    billStatus: 'T',
    amountWithin: PKR(60_000),
    amountAfter: PKR(62_500),
    dueDate: ymd(dayMs - 2 * DAY),
  });
  bill('DWATER01', '9900500001', {});
  for (let k = 1; k <= 4; k++)
    bill(rng.pick(['DELEC001', 'DGASCO01']), `99009${String(k).padStart(5, '0')}`, {});
  // Paid bills carry their amount as paid.
  for (const b of bills) if (b.billStatus === 'P') b.amountPaid = b.amountWithin;

  // Issue 34's scenario accounts, from their own generator so that everything above stays exactly
  // as it was generated before them (same names, balances and bills for the same seed).
  const later = createPrng(`${seed}:issue-34`);
  const more = (no: string, over: Partial<WorldAccount>) =>
    accounts.push(account(later, m, no, person(later, serial++), over));
  more(S.lostPosted, { scenario: 'lost_posted' });
  more(S.lostUnposted, { scenario: 'lost_unposted' });
  for (const code of Object.keys(DECLINE_SCENARIOS) as DeclineCode[]) {
    more(declineAccount(code), { scenario: `decline_${code}` });
  }
  return { accounts, billers, bills };
}
