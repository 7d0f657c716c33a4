import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { runCli } from './process-helpers.ts';

// The benchmark is a deliverable (`npm run bench`): a short run must drive both servers with every
// response a 2xx (an error response would make the ratio meaningless) and print the ratio.
it('darwaza bench: raw and gateway served only 2xx, ratio printed and written to JSON', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'darwaza-bench-test-'));
  try {
    const out = join(dir, 'bench.json');
    const r = await runCli(
      [
        'bench',
        '--duration',
        '1',
        '--warmup',
        '1',
        '--rounds',
        '1',
        '--connections',
        '10',
        '--no-redis',
        '--json',
        out,
      ],
      {},
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ratio gateway \(memory\) \/ raw: \d+\.\d\d$/m);
    const j = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(j.rows.length, 2);
    for (const row of j.rows) {
      assert.ok(row.total > 100, `${row.name} served ${row.total} requests`);
      assert.equal(row.non2xx, 0, `${row.name}: non-2xx`);
      assert.equal(row.errors, 0, `${row.name}: errors`);
      assert.ok(row.cpuUsPerRequest > 0);
    }
    assert.ok(j.ratios['gateway (memory)'] > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
