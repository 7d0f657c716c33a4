import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';

// V8's own view of an object's mode needs --allow-natives-syntax, so the checks run in a child.
function runChild(script: string): string {
  return execFileSync(process.execPath, ['--allow-natives-syntax', '--input-type=module', '-e', script], {
    cwd: join(import.meta.dirname, '..', '..'),
    encoding: 'utf8',
  }).trim();
}

const FAST_CHECK = `
const fast = new Function('o', 'return %HasFastProperties(o)');
const modes = () => [String, Number, Boolean, Symbol, BigInt].map((c) => c.name + ':' + fast(c.prototype)).join(' ');
`;

it('puts String.prototype back in fast mode after a class extends String, and keeps it there', () => {
  const out = runChild(`${FAST_CHECK}
    const { keepPrimitivePrototypesFast } = await import('./src/platform/fast-prototypes.ts');
    class Wrapped extends String {}
    const before = fast(String.prototype);
    keepPrimitivePrototypesFast();
    const after = modes();
    class WrappedAgain extends String {}
    console.log(JSON.stringify({ before, after, later: modes(), w: [new Wrapped('a').length, new WrappedAgain('b').length] }));
  `);
  const r = JSON.parse(out);
  assert.equal(r.before, false, 'the premise: extending String leaves String.prototype slow');
  const allFast = 'String:true Number:true Boolean:true Symbol:true BigInt:true';
  assert.equal(r.after, allFast);
  assert.equal(r.later, allFast, 'a later extends String must not slow it down again');
});

it('createSystem leaves the primitive prototypes fast although ioredis is loaded', () => {
  const dir = mkdtempSync(join(tmpdir(), 'darwaza-fastproto-'));
  try {
    const out = runChild(`${FAST_CHECK}
      await import('ioredis');
      const slowBefore = !fast(String.prototype);
      const { loadConfig } = await import('./src/config.ts');
      const { createInfrastructure, createSystem } = await import('./src/main.ts');
      const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: ${JSON.stringify(dir)}, ROLE: 'gateway' });
      const system = await createSystem(createInfrastructure(config));
      const after = modes();
      await system.shutdown();
      console.log(JSON.stringify({ slowBefore, after }));
    `);
    const r = JSON.parse(out.split('\n').at(-1) ?? '');
    assert.equal(r.slowBefore, true, 'the premise: loading ioredis leaves String.prototype slow');
    assert.equal(r.after, 'String:true Number:true Boolean:true Symbol:true BigInt:true');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
