import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cliOn } from './process-helpers.ts';

/** `darwaza admin upstream list | set` (issue 35): the production upstreams from the command line. */
const dataDir = mkdtempSync(join(tmpdir(), 'darwaza-upcli-'));

const darwaza = cliOn(dataDir);

describe('darwaza admin upstream', () => {
  before(() => {
    // The base seed: the catalogue's products exist.
    const r = darwaza('seed');
    assert.equal(r.status, 0, r.stderr);
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  test('set configures a product’s upstream (JSON out); list shows it', () => {
    const r = darwaza(
      'admin',
      'upstream',
      'set',
      '--product',
      'ibft',
      '--base-url',
      'http://127.0.0.1:3100',
      '--response-timeout-ms',
      '4000',
      '--headers',
      'accept,x-trace-id',
      '--json',
    );
    assert.equal(r.status, 0, r.stderr);
    const u = JSON.parse(r.stdout);
    assert.equal(u.productSlug, 'ibft');
    assert.equal(u.baseUrl, 'http://127.0.0.1:3100');
    assert.equal(u.responseTimeoutMs, 4000);
    assert.deepEqual(u.headerAllowList, ['accept', 'x-trace-id']);
    assert.equal(u.updatedBy, 'cli');
    const l = darwaza('admin', 'upstream', 'list');
    assert.equal(l.status, 0, l.stderr);
    assert.match(l.stdout, /^ibft: http:\/\/127\.0\.0\.1:3100 \(on; connect 2000 ms, response 4000 ms/);
  });

  test('a bad value is one line naming the field and a non-zero exit; nothing changes', () => {
    const r = darwaza('admin', 'upstream', 'set', '--product', 'ibft', '--base-url', 'ftp://x');
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /^darwaza: baseUrl: must be an absolute http:\/\/ or https:\/\/ URL\n$/);
    const t = darwaza('admin', 'upstream', 'set', '--product', 'ibft', '--connect-timeout-ms', '1');
    assert.notEqual(t.status, 0);
    assert.match(t.stderr, /connectTimeoutMs: must be a whole number from 50 to 30000/);
    const l = JSON.parse(darwaza('admin', 'upstream', 'list', '--json').stdout);
    assert.equal(l.items[0].baseUrl, 'http://127.0.0.1:3100');
    assert.equal(l.items[0].version, 1);
  });
});
