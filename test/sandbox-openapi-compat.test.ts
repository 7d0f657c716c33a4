import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { sandboxProducts } from '../src/modules/sandbox/index.ts';
import {
  BILL_REQUEST_FIELDS,
  checkFields,
  TITLE_FETCH_FIELDS,
  TRANSFER_FIELDS,
} from './fixtures/sandbox-wire-before.ts';

/**
 * Issue 27 item 4: the products' documents generated from the zod schemas are compatible with the
 * hand-written ones they replace (fixtures/sandbox-openapi-before/, written once from the old
 * builders). A normalised comparison, direction-aware, fails on a breaking change:
 * - a path, operation or response status removed;
 * - in a request schema: a property removed, a property newly required, the type narrowed, an enum
 *   value removed, maxLength lowered, minLength raised, or a pattern added or changed;
 * - in a response schema: a property removed or no longer always sent, the type widened, an enum
 *   value added (clients read responses).
 * Additions (new operations, optional request fields, wider request types such as null) are fine.
 *
 * Patterns and minLengths the new documents add to request fields are allowed only where listed
 * in DOCUMENTED_ALREADY: constraints the handler always enforced (09 FIELD ERROR, or 22 for an
 * empty HASH) that the old documents did not state. For patterns this is proved here by sampling
 * values of the old document's pattern that the new one refuses and checking that the handler's
 * checks before the change (fixtures/sandbox-wire-before.ts) refused them for that field.
 * (A maintained OpenAPI diff library was tried and not kept: ADR 0014.)
 */
type Json = Record<string, unknown>;
type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  enum?: unknown[];
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  additionalProperties?: boolean | Schema;
  $ref?: string;
};

const DOCUMENTED_ALREADY: Record<string, Record<string, 'pattern' | 'minLength'>> = {
  IbftTitleFetchRequest: {
    TransmissionDateAndTime: 'pattern',
    Time: 'pattern',
    Date: 'pattern',
    PaymentDetail: 'pattern',
  },
  IbftFundsTransferRequest: {
    TransmissionDateAndTime: 'pattern',
    Time: 'pattern',
    Date: 'pattern',
    PaymentDetail: 'pattern',
  },
  BillPaymentRequest: { TranDate: 'pattern', TranTime: 'pattern', HASH: 'minLength' },
  // A request without a usable HASH was always answered 22 INVALID SIGNATURE (bills.test.ts).
  BillInquiryRequest: { HASH: 'minLength' },
  VoidBillPaymentReq: { HASH: 'minLength' },
};

const before = (slug: string): Json =>
  JSON.parse(
    readFileSync(join(import.meta.dirname, 'fixtures', 'sandbox-openapi-before', `${slug}.json`), 'utf8'),
  );

/** Types a schema admits: its type(s), or its alternatives' types; undefined = any. */
function typesOf(s: Schema): Set<string> | undefined {
  const alts = s.anyOf ?? s.oneOf;
  if (alts) {
    const all = alts.map(typesOf);
    return all.some((t) => t === undefined) ? undefined : new Set(all.flatMap((t) => [...t!]));
  }
  if (s.type === undefined) return s.properties ? new Set(['object']) : undefined;
  return new Set(Array.isArray(s.type) ? s.type : [s.type]);
}
const patternsOf = (s: Schema) =>
  [s.pattern, ...(s.allOf ?? []).map((a) => a.pattern)].filter((p): p is string => p !== undefined);
const subset = (a: Set<string> | undefined, b: Set<string> | undefined) =>
  b === undefined || (a !== undefined && [...a].every((x) => b.has(x)));

type Problem = string;

/** Breaking differences between an old and a new schema, in the direction the data flows. */
function compareSchema(name: string, old: Schema, now: Schema, dir: 'request' | 'response', out: Problem[]) {
  const at = (what: string) => `${dir} ${name}: ${what}`;
  const [oldT, nowT] = [typesOf(old), typesOf(now)];
  if (dir === 'request' ? !subset(oldT, nowT) : !subset(nowT, oldT)) {
    out.push(at(`type ${[...(oldT ?? ['any'])]} -> ${[...(nowT ?? ['any'])]}`));
  }
  if (old.enum || now.enum) {
    const [o, n] = [new Set((old.enum ?? []).map(String)), new Set((now.enum ?? []).map(String))];
    if (dir === 'request' && now.enum && (!old.enum || [...o].some((v) => !n.has(v))))
      out.push(at('enum narrowed'));
    if (dir === 'response' && old.enum && (!now.enum || [...n].some((v) => !o.has(v))))
      out.push(at('enum widened'));
  }
  if (dir === 'request') {
    if ((now.maxLength ?? Infinity) < (old.maxLength ?? Infinity))
      out.push(at(`maxLength ${old.maxLength} -> ${now.maxLength}`));
    if ((now.minLength ?? 0) > (old.minLength ?? 0))
      out.push(at(`minLength ${old.minLength ?? 0} -> ${now.minLength}`));
    const oldP = new Set(patternsOf(old));
    const added = patternsOf(now).filter((p) => !oldP.has(p));
    if (added.length) out.push(at(`pattern added ${added.join(' & ')}`));
  }
  const [op, np] = [old.properties ?? {}, now.properties ?? {}];
  for (const [prop, s] of Object.entries(op)) {
    if (!np[prop]) {
      out.push(at(`property ${prop} removed`));
      continue;
    }
    compareSchema(`${name}.${prop}`, s, np[prop], dir, out);
  }
  const [or, nr] = [new Set(old.required ?? []), new Set(now.required ?? [])];
  if (dir === 'request') for (const r of nr) if (!or.has(r)) out.push(at(`${r} newly required`));
  if (dir === 'response') for (const r of or) if (!nr.has(r)) out.push(at(`${r} no longer always sent`));
  if (dir === 'request' && old.additionalProperties !== false && now.additionalProperties === false) {
    out.push(at('unknown fields now refused'));
  }
}

type Doc = {
  paths: Record<
    string,
    Record<
      string,
      {
        responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
        requestBody?: { content: Record<string, { schema: Schema }> };
      }
    >
  >;
  components: { schemas: Record<string, Schema> };
};

function resolve(doc: Doc, s: Schema): [string, Schema] {
  const name = s.$ref ? s.$ref.split('/').pop()! : 'inline';
  return [name, s.$ref ? doc.components.schemas[name] : s];
}

/** All breaking differences between two documents. */
function breakingChanges(oldDoc: Doc, newDoc: Doc): Problem[] {
  const out: Problem[] = [];
  for (const [path, item] of Object.entries(oldDoc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const now = newDoc.paths[path]?.[method];
      if (!now) {
        out.push(`${method} ${path} removed`);
        continue;
      }
      for (const [media, m] of Object.entries(op.requestBody?.content ?? {})) {
        const n = now.requestBody?.content[media];
        if (!n) out.push(`${method} ${path}: request ${media} removed`);
        else {
          const [name, o] = resolve(oldDoc, m.schema);
          compareSchema(name, o, resolve(newDoc, n.schema)[1], 'request', out);
        }
      }
      for (const [status, r] of Object.entries(op.responses)) {
        const n = now.responses[status];
        if (!n) {
          out.push(`${method} ${path}: response ${status} removed`);
          continue;
        }
        for (const [media, m] of Object.entries(r.content ?? {})) {
          const nm = n.content?.[media];
          if (!nm) out.push(`${method} ${path}: response ${status} ${media} removed`);
          else {
            const [name, o] = resolve(oldDoc, m.schema);
            compareSchema(`${status} ${name}`, o, resolve(newDoc, nm.schema)[1], 'response', out);
          }
        }
      }
    }
  }
  return out;
}

/**
 * Issue 34 (item 2): title fetch and funds transfer answer the nine codes of real test captures
 * (17, 26, 46, 59, 63, 65, 66, 77, 90), each reached by a documented scenario account. A deliberate,
 * documented widening of the two response enums: exactly these values are added (checked below).
 */
const ISSUE_34_CODES = ['17', '26', '46', '59', '63', '65', '66', '77', '90'];
const WIDENED_BY_ISSUE_34 = new Set([
  'response 200 IbftTitleFetchResponse.ResponseCode: enum widened',
  'response 200 IbftFundsTransferResponse.ResponseCode: enum widened',
]);

test('issue 34 widens the IBFT response codes by exactly the nine codes of real captures', () => {
  const old = before('ibft') as Doc;
  const now = sandboxProducts.find((p) => p.slug === 'ibft')!.openapi as Doc;
  for (const name of ['IbftTitleFetchResponse', 'IbftFundsTransferResponse']) {
    const o = old.components.schemas[name].properties!.ResponseCode.enum!.map(String);
    const n = now.components.schemas[name].properties!.ResponseCode.enum!.map(String);
    assert.deepEqual(n.filter((c) => !o.includes(c)).sort(), ISSUE_34_CODES, name);
  }
});

/** A breaking difference the new document is allowed (it documents what the handler did). */
const allowed = (p: Problem) => {
  if (WIDENED_BY_ISSUE_34.has(p)) return true;
  const m = /^request (\w+)\.(\w+): (pattern added|minLength)/.exec(p);
  const kind = m?.[3] === 'pattern added' ? 'pattern' : 'minLength';
  return m !== null && DOCUMENTED_ALREADY[m[1]]?.[m[2]] === kind;
};

// 1QR (issue 34) came after the hand-written documents: it has no baseline to compare with.
for (const p of sandboxProducts.filter((x) => x.slug !== '1qr')) {
  test(`${p.slug}: the generated document has no breaking change against the hand-written one`, () => {
    const problems = breakingChanges(before(p.slug) as Doc, JSON.parse(JSON.stringify(p.openapi)) as Doc);
    assert.deepEqual(
      problems.filter((x) => !allowed(x)),
      [],
    );
    // Every allowance is used (a stale one would hide a future change).
    for (const [schema, fields] of Object.entries(DOCUMENTED_ALREADY)) {
      if (!(schema in (p.openapi as Doc).components.schemas)) continue;
      for (const field of Object.keys(fields)) {
        assert.ok(
          problems.some((x) => x.startsWith(`request ${schema}.${field}:`)),
          `${schema}.${field} unused`,
        );
      }
    }
  });
}

test('the comparison catches breaking changes', () => {
  const old = before('ibft') as Doc;
  const edit = (f: (d: Doc & Json) => void) => {
    const d = JSON.parse(JSON.stringify(old));
    f(d);
    return breakingChanges(old, d);
  };
  const req = (d: Doc) => d.components.schemas.IbftTitleFetchRequest;
  const res = (d: Doc) => d.components.schemas.IbftTitleFetchResponse;
  assert.deepEqual(
    edit(() => {}),
    [],
  );
  assert.equal(edit((d) => delete d.paths['/path-1']).length, 1);
  assert.ok(edit((d) => delete d.paths['/path-1'].post.responses['429']).length > 0);
  assert.ok(edit((d) => req(d).required!.push('PAN')).some((x) => x.includes('PAN newly required')));
  assert.ok(edit((d) => (req(d).properties!.STAN.maxLength = 5)).some((x) => x.includes('maxLength')));
  assert.ok(
    edit((d) => (req(d).properties!.Time.pattern = '^\\d{5}$')).some((x) => x.includes('pattern added')),
  );
  assert.ok(edit((d) => (req(d).properties!.STAN.type = 'integer')).some((x) => x.includes('type')));
  assert.ok(edit((d) => delete req(d).properties!.PAN).some((x) => x.includes('PAN removed')));
  assert.ok(edit((d) => delete res(d).properties!.RRN).some((x) => x.includes('RRN removed')));
  assert.ok(
    edit((d) => res(d).properties!.ResponseCode.enum!.push('42')).some((x) => x.includes('enum widened')),
  );
  assert.ok(edit((d) => (res(d).required = [])).some((x) => x.includes('no longer always sent')));
  // Widening a request field is not breaking.
  assert.deepEqual(
    edit((d) => (req(d).properties!.PAN.type = ['string', 'null'])),
    [],
  );
});

test('patterns the documents add refuse only values the handler always refused (09 on that field)', () => {
  const specs = {
    IbftTitleFetchRequest: TITLE_FETCH_FIELDS,
    IbftFundsTransferRequest: TRANSFER_FIELDS,
    BillPaymentRequest: BILL_REQUEST_FIELDS.billPayment,
  };
  const docs = Object.fromEntries(sandboxProducts.map((p) => [p.slug, p.openapi as Doc]));
  const olds = { ibft: before('ibft') as Doc, bills: before('bills') as Doc };
  let refused = 0;
  for (const [schema, fields] of Object.entries(DOCUMENTED_ALREADY)) {
    const slug = schema.startsWith('Ibft') ? 'ibft' : 'bills';
    const media = Object.values(docs[slug].paths)
      .map(
        (i) =>
          i.post.requestBody!.content['application/json'] as unknown as { schema: Schema; example: Json },
      )
      .find((m) => m.schema.$ref?.endsWith(`/${schema}`))!;
    for (const [field, kind] of Object.entries(fields)) {
      if (kind !== 'pattern') continue;
      const old = olds[slug].components.schemas[schema].properties![field];
      const now = docs[slug].components.schemas[schema].properties![field];
      const oldPattern = old.pattern ?? '^[\\s\\S]{0,20}$';
      const samples = fc.sample(
        fc.oneof(fc.stringMatching(new RegExp(oldPattern)), fc.stringMatching(/^\d{4,10}(?: .{0,5})?$/)),
        { numRuns: 3000, seed: 27 },
      );
      for (const v of samples) {
        const oldOk = new RegExp(oldPattern).test(v) && v.length <= (old.maxLength ?? Infinity);
        const nowOk = patternsOf(now).every((p) => new RegExp(p).test(v));
        if (!oldOk || nowOk) continue;
        refused++;
        const r = checkFields({ ...media.example, [field]: v }, specs[schema as keyof typeof specs]);
        assert.equal(r.ok, false, `${schema}.${field} = ${JSON.stringify(v)} was accepted before`);
        if (!r.ok) assert.deepEqual([r.problem.code, r.problem.field], ['09', field], JSON.stringify(v));
      }
    }
  }
  assert.ok(refused > 500, `only ${refused} samples refused by the new patterns`);
});
