import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from './logger.ts';

test('secrets are redacted wherever they appear in a logged object', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  const log = createLogger('info', sink);
  log.info({
    password: 'pw-marker-1',
    body: { clientSecret: 'cs-marker-2', token: 'tk-marker-3' },
    req: { headers: { authorization: 'Bearer at-marker-4', cookie: 'c-marker-5' } },
  });
  const out = lines.join('');
  for (const marker of ['pw-marker-1', 'cs-marker-2', 'tk-marker-3', 'at-marker-4', 'c-marker-5']) {
    assert.ok(!out.includes(marker), `${marker} leaked: ${out}`);
  }
  assert.match(out, /\[redacted\]/);
});
