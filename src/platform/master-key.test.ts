import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createKeyring, loadMasterKey } from './master-key.ts';

test('sealed values round-trip, are bound to their purpose and reveal nothing', () => {
  const k = createKeyring(randomBytes(32));
  const sealed = k.encrypt('JBSWY3DPEHPK3PXP', 'totp');
  assert.ok(!sealed.includes('JBSWY3DPEHPK3PXP'));
  assert.equal(k.decrypt(sealed, 'totp'), 'JBSWY3DPEHPK3PXP');
  assert.throws(() => k.decrypt(sealed, 'other'));
  assert.notEqual(k.encrypt('x', 'totp'), k.encrypt('x', 'totp'));
});

test('hmac is keyed: another master key gives another digest', () => {
  const a = createKeyring(randomBytes(32));
  const b = createKeyring(randomBytes(32));
  assert.equal(a.hmac('s', 'p'), a.hmac('s', 'p'));
  assert.notEqual(a.hmac('s', 'p'), b.hmac('s', 'p'));
});

test('a missing master key file is created once with mode 0600', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dz-key-'));
  const k1 = loadMasterKey({ dataDir: dir });
  const k2 = loadMasterKey({ dataDir: dir });
  assert.deepEqual(k1, k2);
  assert.equal(statSync(join(dir, 'master.key')).mode & 0o777, 0o600);
  assert.equal(Buffer.from(readFileSync(join(dir, 'master.key'), 'utf8'), 'base64').length, 32);
});
