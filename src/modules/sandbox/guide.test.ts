import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { testEngines } from '../../platform/testing.ts';
import { GUIDE_END, GUIDE_START, renderScenarioTables } from './guide.ts';
import { openSandbox, type SandboxFixture } from './test-support.ts';

/** docs/sandbox-guide.md shows the same scenario table as listSandboxTestData for a fresh world. */
const GUIDE = resolve(import.meta.dirname, '..', '..', '..', 'docs', 'sandbox-guide.md');

describe('sandbox guide', () => {
  let fx: SandboxFixture;
  before(async () => {
    fx = await openSandbox(testEngines()[0]);
  });
  after(async () => fx.cleanup());

  test('scenario tables in the guide match listSandboxTestData', async () => {
    const tables = renderScenarioTables(await fx.sandbox.service.testData('org_guide'));
    const text = readFileSync(GUIDE, 'utf8');
    const start = text.indexOf(GUIDE_START);
    const end = text.indexOf(GUIDE_END);
    assert.ok(start >= 0 && end > start, 'guide has the scenario markers');
    const current = text.slice(start + GUIDE_START.length, end).trim();
    if (process.env.UPDATE_GUIDE === '1' && current !== tables) {
      writeFileSync(GUIDE, `${text.slice(0, start + GUIDE_START.length)}\n${tables}\n${text.slice(end)}`);
      return;
    }
    assert.equal(current, tables, 'run UPDATE_GUIDE=1 node --test src/modules/sandbox/guide.test.ts');
  });
});
