import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GatewayError } from './gateway-errors.ts';
import { parseRequestBody } from './request-body.ts';

const refusedWith = (code: string) => (e: GatewayError) => e.status === 400 && e.code === code;
const nested = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;

test('the parse step: JSON within 64 levels parses; deeper, malformed or poisoned bodies are 400s', () => {
  assert.deepEqual(parseRequestBody('POST', '{"RRN":"1"}'), { RRN: '1' });
  assert.equal(JSON.stringify(parseRequestBody('POST', nested(64))).length, nested(64).length);
  assert.throws(() => parseRequestBody('POST', nested(65)), refusedWith('json_too_deep'));
  assert.throws(
    () => parseRequestBody('POST', `${'['.repeat(5000)}${']'.repeat(5000)}`),
    refusedWith('json_too_deep'),
  );
  // Deeper than the bound and not JSON either: the depth is what the caller hears about.
  assert.throws(() => parseRequestBody('POST', '['.repeat(100)), refusedWith('json_too_deep'));
  assert.throws(() => parseRequestBody('POST', '{"a":'), refusedWith('malformed_json'));
  assert.throws(() => parseRequestBody('POST', '{"__proto__":{"x":1}}'), refusedWith('malformed_json'));
  assert.throws(() => parseRequestBody('POST', null), refusedWith('malformed_json'));
  assert.throws(() => parseRequestBody('POST', ''), refusedWith('malformed_json'));
  assert.equal(parseRequestBody('GET', null), undefined);
  assert.deepEqual(parseRequestBody('POST', '{"note":"[[[[{{{{ inside a string"}'), {
    note: '[[[[{{{{ inside a string',
  });
});
