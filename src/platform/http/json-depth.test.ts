import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { exceedsJsonDepth, jsonNestingDepth, MAX_JSON_DEPTH } from './json-depth.ts';

/** Depth of a parsed value, by walking it: the reference for valid JSON. */
function valueDepth(v: unknown): number {
  if (Array.isArray(v)) return 1 + v.reduce((m: number, x) => Math.max(m, valueDepth(x)), 0);
  if (v !== null && typeof v === 'object') {
    return 1 + Object.values(v).reduce((m: number, x) => Math.max(m, valueDepth(x)), 0);
  }
  return 0;
}

/** The same scan done the slow, obvious way (a state machine, one character at a time): the reference for any text. */
function naiveDepth(text: string): number {
  let inString = false;
  let escaped = false;
  let depth = 0;
  let deepest = 0;
  for (const ch of text) {
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '[' || ch === '{') deepest = Math.max(deepest, ++depth);
    else if (ch === ']' || ch === '}') depth--;
  }
  return deepest;
}

/** Strings that look like JSON's structure: brackets, quotes and backslash runs inside them. */
const tricky = fc.string({
  unit: fc.constantFrom('[', ']', '{', '}', '"', '\\', 'a', ' ', ':', ',', 'é', '😀'),
  maxLength: 12,
});

/** A value nested `depth` levels (arrays and objects chosen at random), with tricky strings beside each level. */
const nested = (maxDepth: number) =>
  fc
    .tuple(
      fc.integer({ min: 0, max: maxDepth }),
      fc.array(fc.tuple(fc.boolean(), tricky, fc.jsonValue({ maxDepth: 2 })), { maxLength: maxDepth }),
      fc.jsonValue({ maxDepth: 3 }),
    )
    .map(([depth, levels, leaf]) => {
      let v: unknown = leaf;
      for (let d = 0; d < depth; d++) {
        const [asArray, key, sibling] = levels[d % Math.max(1, levels.length)] ?? [true, 'k', null];
        v = asArray ? [sibling, key, v] : { [key]: v, [`${key}'`]: sibling };
      }
      return v;
    });

describe('JSON nesting pre-scan', () => {
  it('equals the depth of the parsed value on random nested values (compact and indented)', () => {
    fc.assert(
      fc.property(nested(150), fc.boolean(), (v, indent) => {
        const text = JSON.stringify(v, null, indent ? 2 : undefined);
        const expected = valueDepth(JSON.parse(text));
        assert.equal(jsonNestingDepth(text), expected);
        for (const max of [0, 1, expected - 1, expected, MAX_JSON_DEPTH]) {
          assert.equal(exceedsJsonDepth(text, max), expected > max, `max ${max}`);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('equals a character-by-character scan on random text (valid JSON or not)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: fc.constantFrom('[', ']', '{', '}', '"', '\\', 'x', ','), maxLength: 300 }),
          fc.string({ maxLength: 200 }),
          fc.json({ maxDepth: 6 }),
        ),
        fc.integer({ min: 0, max: 70 }),
        (text, max) => {
          const expected = naiveDepth(text);
          assert.equal(jsonNestingDepth(text), expected);
          assert.equal(exceedsJsonDepth(text, max), expected > max);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('anything JSON.parse accepts after the check passes is at most 64 deep', () => {
    fc.assert(
      fc.property(nested(100), (v) => {
        const text = JSON.stringify(v);
        if (!exceedsJsonDepth(text)) assert.ok(valueDepth(JSON.parse(text)) <= MAX_JSON_DEPTH);
      }),
      { numRuns: 200 },
    );
  });

  it('the bound: 64 levels pass, 65 do not; brackets inside strings do not count', () => {
    const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    assert.equal(exceedsJsonDepth(deep(64)), false);
    assert.equal(exceedsJsonDepth(deep(65)), true);
    assert.equal(exceedsJsonDepth(`{"a":"${'['.repeat(5000)}"}`), false);
    assert.equal(exceedsJsonDepth(`{"a":"\\"${'['.repeat(100)}"}`), false, 'an escaped quote stays inside');
    assert.equal(exceedsJsonDepth(`{"a":"\\\\"${'['.repeat(100)}`), true, 'an escaped backslash does not');
    assert.equal(exceedsJsonDepth('{"a":'.repeat(5000) + '1' + '}'.repeat(5000)), true);
  });

  it('is linear: a megabyte of brackets, quotes or backslashes takes milliseconds', () => {
    for (const text of [
      '['.repeat(1 << 20),
      `"${'\\'.repeat(1 << 20)}"`,
      '"\\"'.repeat(1 << 18),
      `[${'"a",'.repeat(1 << 18)}1]`,
    ]) {
      const t0 = performance.now();
      jsonNestingDepth(text);
      exceedsJsonDepth(text);
      assert.ok(performance.now() - t0 < 500, `${text.slice(0, 10)}…: ${performance.now() - t0} ms`);
    }
  });
});
