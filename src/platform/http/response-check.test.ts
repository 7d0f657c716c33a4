import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { z } from 'zod';
import { checkResponse, ResponseContractError, stripUndeclared } from './response-check.ts';

const view = z.object({
  id: z.string(),
  status: z.enum(['active', 'suspended']),
  owner: z.object({ name: z.string() }).nullable(),
  items: z.array(z.object({ n: z.number() })),
  meta: z.record(z.string(), z.unknown()).optional(),
});
const noWarn = () => assert.fail('no warning expected');

test('a matching response is sent with undeclared fields removed, in both modes', () => {
  const value = {
    id: 'a',
    status: 'active',
    passwordHash: 'secret',
    owner: { name: 'x', email: 'hidden' },
    items: [{ n: 1, extra: true }],
  };
  for (const mode of ['strict', 'lenient'] as const) {
    assert.deepEqual(checkResponse(view, value, 'op', mode, noWarn), {
      id: 'a',
      status: 'active',
      owner: { name: 'x' },
      items: [{ n: 1 }],
    });
  }
});

test('strict: a mismatch throws, naming the operation and the field', () => {
  assert.throws(
    () =>
      checkResponse(view, { id: 'a', status: 'gone', owner: null, items: [] }, 'getThing', 'strict', noWarn),
    (e: unknown) =>
      e instanceof ResponseContractError && /getThing/.test(e.message) && /status/.test(e.message),
  );
});

test('lenient: a mismatch is logged and sent as it is, minus undeclared fields (never thrown)', () => {
  const warnings: unknown[] = [];
  const out = checkResponse(
    view,
    { id: 7, status: 'gone', secret: 's', owner: { name: 'n', token: 't' }, items: [{ n: 'x', k: 1 }] },
    'getThing',
    'lenient',
    (_m, d) => warnings.push(d),
  );
  assert.deepEqual(out, { id: 7, status: 'gone', owner: { name: 'n' }, items: [{ n: 'x' }] });
  assert.equal(warnings.length, 1);
});

test('property: stripping never adds keys and keeps only declared ones at the top level', () => {
  fc.assert(
    fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (extra) => {
      const value = { ...extra, id: 'a', status: 'active', owner: null, items: [] };
      const out = stripUndeclared(view, value) as Record<string, unknown>;
      for (const k of Object.keys(out)) assert.ok(Object.hasOwn(view.shape, k), `undeclared key ${k} kept`);
      for (const k of Object.keys(out)) assert.ok(k in value);
    }),
  );
});

test('records and unions keep what they declare', () => {
  assert.deepEqual(stripUndeclared(view, { meta: { a: 1, b: { c: 2 } } }), { meta: { a: 1, b: { c: 2 } } });
  const u = z.union([
    z.object({ kind: z.literal('a'), x: z.number() }),
    z.object({ kind: z.literal('b'), y: z.number() }),
  ]);
  assert.deepEqual(stripUndeclared(u, { kind: 'a', x: 1, z: 3 }), { kind: 'a', x: 1 });
});
