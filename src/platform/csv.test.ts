import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { neutraliseCell, parseCsv, restoreCell, writeCsv } from './csv.ts';

/** Characters that make a cell hard to write: CSV syntax, formula starts, quotes, BOM, unicode. */
const tricky = fc.constantFrom(
  '"',
  ',',
  '\n',
  '\r',
  '\r\n',
  '=',
  '+',
  '-',
  '@',
  '\t',
  "'",
  ' ',
  '\uFEFF',
  'é',
  'ب',
  '😀',
  'a',
  '1',
);
const cell = fc.oneof(
  fc.string({ unit: tricky, maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ maxLength: 12 }),
);
/** A row the reader keeps: at least one cell with something other than blanks. */
const row = fc.array(cell, { minLength: 1, maxLength: 6 }).filter((r) => r.some((c) => c.trim() !== ''));

test('parse(write(rows)) gives back the rows, for any cells', () => {
  fc.assert(
    fc.property(fc.array(row, { maxLength: 8 }), (rows) => {
      assert.deepEqual(parseCsv(writeCsv(rows)), rows);
    }),
    { numRuns: 500 },
  );
});

/** The cells of written CSV as a spreadsheet sees them: quotes undone, no neutralising removed. */
function rawCells(csv: string): string[] {
  const cells: string[] = [];
  let i = csv.startsWith('\uFEFF') ? 1 : 0;
  while (i < csv.length) {
    let value = '';
    if (csv[i] === '"') {
      i++;
      for (;;) {
        if (csv[i] === '"' && csv[i + 1] === '"') {
          value += '"';
          i += 2;
        } else if (csv[i] === '"') {
          i++;
          break;
        } else value += csv[i++];
      }
    } else {
      while (i < csv.length && csv[i] !== ',' && csv[i] !== '\r') value += csv[i++];
    }
    cells.push(value);
    if (csv[i] === '\r') i += 2;
    else i++;
  }
  return cells;
}

test('no written cell starts with a formula character', () => {
  fc.assert(
    fc.property(fc.array(row, { maxLength: 8 }), (rows) => {
      const csv = writeCsv(rows);
      assert.ok(csv.startsWith('\uFEFF'));
      for (const c of rawCells(csv)) assert.doesNotMatch(c, /^[=+\-@\t\r]/);
    }),
    { numRuns: 500 },
  );
});

test('writing: BOM, CRLF, quoting, neutralised formulas', () => {
  assert.equal(
    writeCsv([
      ['name', 'reference'],
      ['=HYPERLINK("http://x")', 'a,b'],
      ['-1', null],
      ['@SUM(A1)', 7],
    ]),
    '\uFEFFname,reference\r\n"\'=HYPERLINK(""http://x"")","a,b"\r\n\'-1,\r\n\'@SUM(A1),7\r\n',
  );
  assert.equal(neutraliseCell('\tx'), "'\tx");
  assert.equal(neutraliseCell("'=x"), "''=x");
  assert.equal(neutraliseCell("'plain"), "'plain");
});

test('reading: BOM, CRLF/LF/CR mixed, quoted line breaks, blank lines, the neutralising quote', () => {
  assert.deepEqual(parseCsv("\uFEFFa,b\r\n\"x\r\ny\",z\n\n  ,\r\n'=1,'plain\r\"''+2\",'\n"), [
    ['a', 'b'],
    ['x\r\ny', 'z'],
    ['=1', "'plain"],
    ["'+2", "'"],
  ]);
  assert.equal(restoreCell("'-x"), '-x');
  assert.equal(restoreCell("'x"), "'x");
  assert.deepEqual(parseCsv(''), []);
  assert.deepEqual(parseCsv('a,b"c\n'), [['a', 'b"c']]);
  assert.throws(() => parseCsv('a,"never closed\n'), { code: 'validation_failed' });
});
