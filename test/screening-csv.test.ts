import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseCsv } from '../src/platform/csv.ts';
import { engines, startTestSystem, type TestSystem } from './harness.ts';
import { activeUser, operatorUser, type SignedIn } from './identity-helpers.ts';

/**
 * The screening list's CSV round trip over HTTP: what an operator exports imports back unchanged
 * (with `replace`), and a name a spreadsheet would run as a formula is neutralised in the file.
 */
const LIST =
  'name,reference\r\n' +
  [
    '"Qureshi, Salman",UN-123',
    '"=HYPERLINK(""http://evil.test"",""click"")",X-1',
    '+92 Trading,',
    '"-Minus, ""Quoted""","R-""2"""',
    '@Handle Holdings,"multi\nline"',
    'Zoë Ündercover,Ω-7',
  ].join('\r\n');

for (const engine of engines()) {
  describe(`screening list CSV export (${engine.name})`, () => {
    let sys: TestSystem;
    let op: SignedIn;
    before(async () => {
      sys = await startTestSystem({ engine });
      op = await operatorUser(sys);
    });
    after(async () => {
      await sys.cleanup();
    });

    const entries = async () => {
      const res = await sys.app.inject({
        method: 'GET',
        url: '/api/v1/admin/identity/screening-list',
        headers: op.headers,
      });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().items.map((e: { name: string; reference: string | null }) => [e.name, e.reference]);
    };
    const exportCsv = () =>
      sys.app.inject({
        method: 'GET',
        url: '/api/v1/admin/identity/screening-list.csv',
        headers: op.headers,
      });
    const importCsv = (csv: string) =>
      sys.app.inject({
        method: 'POST',
        url: '/api/v1/admin/identity/screening-list',
        headers: op.headers,
        payload: { csv, replace: true },
      });

    test('an exported list imports back unchanged; formula names are neutralised in the file', async () => {
      const imp = await importCsv(LIST);
      assert.equal(imp.statusCode, 200, imp.body);
      assert.equal(imp.json().imported, 6);
      const before = await entries();

      const exp = await exportCsv();
      assert.equal(exp.statusCode, 200, exp.body);
      assert.match(String(exp.headers['content-type']), /^text\/csv/);
      assert.match(String(exp.headers['content-disposition']), /attachment; filename="screening-list.csv"/);
      assert.ok(exp.body.startsWith('\uFEFFname,reference\r\n'));
      // The formula is written with its neutralising quote, and no line starts with a formula.
      assert.match(exp.body, /\r\n"'=HYPERLINK\(""http:\/\/evil\.test"",""click""\)",X-1\r\n/);
      assert.ok(!/(^|\r\n)"?[=+\-@]/.test(exp.body.slice(1)));
      assert.deepEqual(parseCsv(exp.body)[0], ['name', 'reference']);

      const again = await importCsv(exp.body);
      assert.equal(again.statusCode, 200, again.body);
      assert.deepEqual(again.json(), { imported: 6, total: 6 });
      assert.deepEqual(await entries(), before);
      assert.ok(before.some(([n]: [string]) => n === '=HYPERLINK("http://evil.test","click")'));
      assert.equal((await sys.services.audit.list({ action: 'identity.screening_list_exported' })).length, 1);
    });

    test('only operators may export it', async () => {
      const dev = await activeUser(sys);
      const res = await sys.app.inject({
        method: 'GET',
        url: '/api/v1/admin/identity/screening-list.csv',
        headers: dev.headers,
      });
      assert.equal(res.statusCode, 403, res.body);
      const anon = await sys.app.inject({ method: 'GET', url: '/api/v1/admin/identity/screening-list.csv' });
      assert.equal(anon.statusCode, 401, anon.body);
    });
  });
}
