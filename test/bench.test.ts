import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { wrkVersion } from '../bench/load-generators.ts';
import { runDarwaza } from './process-helpers.ts';

// The benchmark is a deliverable (`npm run bench`): a short run must drive both servers with every
// response a 2xx (an error response would make the ratio meaningless) and print the ratio. Run with
// each load generator: the gateway answers 401/415 to a request whose headers or body did not make
// it, so an all-2xx run also shows the generator sent what it was given.
for (const generator of ['autocannon', 'wrk'] as const) {
  const skip = generator === 'wrk' && !wrkVersion() ? 'wrk is not installed' : false;
  it(`darwaza bench --generator ${generator}: raw and gateway served only 2xx, ratio printed and written to JSON`, {
    skip,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'darwaza-bench-test-'));
    try {
      const out = join(dir, 'bench.json');
      const r = await runDarwaza(
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
          '--generator',
          generator,
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
        // Served at all (how many is the bench's figure, not a test's: 55 in one loaded second once).
        assert.ok(row.total > 0, `${row.name} served no requests`);
        assert.equal(row.non2xx, 0, `${row.name}: non-2xx`);
        assert.equal(row.errors, 0, `${row.name}: errors`);
        assert.ok(row.cpuUsPerRequest > 0);
      }
      assert.ok(j.ratios['gateway (memory)'] > 0);
      // Whether the usage writer kept up: the gateway's row says, the raw server's has nothing.
      const [raw, gw] = j.rows;
      assert.equal(raw.usageBacklog, undefined);
      assert.ok(Number.isInteger(gw.usageBacklog) && gw.usageBacklog >= 0, JSON.stringify(gw));
      assert.ok(gw.usageDrainS >= 0 && gw.usageDrainS <= 31, JSON.stringify(gw));
      assert.match(r.stdout, /^usage writer, gateway \(memory\): \d+ calls without their usage row/m);
      assert.match(j.generator, new RegExp(`^${generator} `));
      assert.match(r.stdout, new RegExp(`load generator: ${generator} `));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
