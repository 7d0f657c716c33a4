import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { root, runProgram, startServer } from './process-helpers.ts';

/**
 * The README's first call runs as pasted: its shell block, taken from README.md as it stands, is run
 * by bash from the repository's directory against a real `darwaza serve` (the embedded setup, as
 * `npm start` runs it), and prints the network's "00". Only where the server keeps its data
 * (DATA_DIR) and its port come from the environment; the block sets everything else itself.
 */
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The first ```sh block after the "Your first call" heading. */
function firstCallBlock(readme: string): string {
  const at = readme.search(/^#+ Your first call/m);
  assert.ok(at >= 0, 'README.md has no "Your first call" section');
  const m = /^```sh\n([\s\S]*?)^```$/m.exec(readme.slice(at));
  assert.ok(m, 'the "Your first call" section has no ```sh block');
  return m[1];
}

function bash(script: string, env: Record<string, string>) {
  return runProgram('bash', ['-c', script], env);
}

test('the README names every program its first call uses, and jq is not one of them', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = firstCallBlock(readme).replace(/\s#.*$/gm, '');
  // The first word of each command: at a line start or after `$(`, `{`, `|`, `;` or `&&`.
  const programs = new Set(
    [...block.matchAll(/(?:^|\$\(|\{|\||;|&&)\s*([a-z][\w.-]*)(?=\s)/gm)].map((m) => m[1]),
  );
  const section = readme.slice(readme.search(/^#+ Your first call/m));
  const intro = section.slice(0, section.indexOf('```sh'));
  assert.ok(programs.has('curl') && programs.has('npx'), [...programs].join(' '));
  assert.ok(!programs.has('jq'), 'jq is not needed: the block reads JSON with node');
  for (const p of programs) {
    if (p === 'json') continue; // the block's own shell function
    assert.match(intro, new RegExp(`\`${p}\``), `the first call uses ${p}; the text above it must name it`);
  }
});

test("the README's first-call block, pasted into bash, prints ResponseCode 00 (and the example transfer body answers 00)", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dz-readme-'));
  dirs.push(dataDir);
  const s = await startServer({ DATA_DIR: dataDir });
  try {
    const block = firstCallBlock(readFileSync(join(root, 'README.md'), 'utf8'));
    // After the block, in the same shell (its variables set), the transfer example of examples/.
    const transfer = `curl -s $B/funds-transfer-rest-service/path-1 -H "X-IBM-Client-Id: $CLIENT_ID" \\
  -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d @examples/funds-transfer.json`;
    const r = await bash(`${block}\nprintf '\\n--\\n'\n${transfer}\n`, {
      DATA_DIR: dataDir,
      PORT: String(s.port),
      // A newcomer's shell: none of the variables the block uses is set beforehand.
      APP: '',
      CLIENT_ID: '',
      CLIENT_SECRET: '',
      B: '',
      TOKEN: '',
      DATABASE_URL: '',
      REDIS_URL: '',
    });
    assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
    const [first, second] = r.stdout.split('\n--\n');
    const title = JSON.parse(first.trim()) as Record<string, string>;
    assert.equal(title.ResponseCode, '00', first);
    assert.equal(title.AccountTitleTo, 'SALMAN AHMED');
    const moved = JSON.parse(second.trim()) as Record<string, string>;
    assert.equal(moved.ResponseCode, '00', second);
  } finally {
    s.child.kill('SIGTERM');
    await s.exited;
  }
});

test("examples/title-fetch.json is the sandbox guide's title-fetch example, field for field", () => {
  const guide = readFileSync(join(root, 'docs', 'sandbox-guide.md'), 'utf8');
  const examples = guide.slice(guide.indexOf('## Examples'));
  const m = /-d '(\{[\s\S]*?\})'/.exec(examples);
  assert.ok(m, "the guide's Examples section has no -d '{…}' body");
  const file = JSON.parse(readFileSync(join(root, 'examples', 'title-fetch.json'), 'utf8'));
  assert.deepEqual(file, JSON.parse(m[1]));
  const transfer = JSON.parse(readFileSync(join(root, 'examples', 'funds-transfer.json'), 'utf8'));
  assert.notEqual(transfer.RRN, file.RRN, 'the transfer example has an RRN of its own');
});
