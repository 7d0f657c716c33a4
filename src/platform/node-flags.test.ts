import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { SERVE_NODE_FLAGS } from './node-flags.ts';

it('npm start runs with the same V8 flags as the benchmark servers', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  assert.equal(pkg.scripts.start, `node ${SERVE_NODE_FLAGS.join(' ')} bin/darwaza.mjs serve`);
});
