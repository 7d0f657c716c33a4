import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../config.ts';
import {
  devMailboxMode,
  devMailboxStartNote,
  isLoopbackHostHeader,
  isLoopbackListenHost,
} from './dev-mailbox.ts';

test('listen addresses: only loopback literals and localhost count as loopback', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', '127.255.255.254', '::1', '[::1]', '0:0:0:0:0:0:0:1']) {
    assert.equal(isLoopbackListenHost(h), true, h);
  }
  for (const h of ['::ffff:127.0.0.1', '::ffff:7f00:1', 'localhost', 'LOCALHOST']) {
    assert.equal(isLoopbackListenHost(h), true, h);
  }
  // Every interface, private, public, mapped non-loopback, and names other than localhost.
  for (const h of [
    '0.0.0.0',
    '::',
    '[::]',
    '10.0.0.5',
    '192.168.1.20',
    '203.0.113.7',
    '128.0.0.1',
    '::ffff:10.0.0.1',
    '::ffff:0.0.0.0',
    'fe80::1',
    'example.com',
    'localhost.example.com',
    '127.0.0.1.nip.io',
    '127.1',
    '',
  ]) {
    assert.equal(isLoopbackListenHost(h), false, h);
  }
});

test('Host headers: loopback names and addresses, with or without a port; nothing else', () => {
  for (const h of [
    'localhost',
    'localhost:3000',
    'LocalHost:3000',
    'localhost.',
    '127.0.0.1',
    '127.0.0.1:3000',
    '127.9.8.7:80',
    '[::1]',
    '[::1]:3000',
    '[::ffff:127.0.0.1]:3000',
  ]) {
    assert.equal(isLoopbackHostHeader(h), true, h);
  }
  for (const h of [
    undefined,
    '',
    'evil.example',
    'evil.example:3000',
    'localhost.evil.example',
    'localhost.evil.example:3000',
    '127.0.0.1.nip.io',
    'evil.example#localhost',
    'localhost:3000@evil.example',
    'localhost:',
    'localhost:abc',
    'localhost:3000:1',
    '::1',
    '[::1',
    '[::2]:3000',
    '[fe80::1]',
    '0.0.0.0:3000',
    '10.0.0.1:3000',
    '192.168.0.1',
  ]) {
    assert.equal(isLoopbackHostHeader(h), false, String(h));
  }
});

test('mode: off in production and on non-loopback HOST; the unsafe setting opens it outside production', () => {
  const mode = (env: Record<string, string>) => devMailboxMode(loadConfig(env));
  assert.equal(mode({}), 'loopback', 'npm start: development on 127.0.0.1');
  assert.equal(mode({ HOST: '::1' }), 'loopback');
  assert.equal(mode({ HOST: 'localhost' }), 'loopback');
  assert.equal(mode({ HOST: '0.0.0.0' }), 'off');
  assert.equal(mode({ HOST: '::' }), 'off');
  assert.equal(mode({ HOST: '192.168.1.20' }), 'off');
  assert.equal(mode({ NODE_ENV: 'test' }), 'loopback');
  assert.equal(mode({ NODE_ENV: 'production' }), 'off');
  assert.equal(mode({ HOST: '0.0.0.0', DEV_MAILBOX_UNSAFE_PUBLIC: 'true' }), 'unsafe-public');
  assert.equal(mode({ HOST: '127.0.0.1', DEV_MAILBOX_UNSAFE_PUBLIC: '1' }), 'unsafe-public');
  assert.equal(mode({ HOST: '0.0.0.0', DEV_MAILBOX_UNSAFE_PUBLIC: 'false' }), 'off');
});

test('the unsafe setting is refused in production and takes only true or false', () => {
  assert.throws(
    () => loadConfig({ NODE_ENV: 'production', DEV_MAILBOX_UNSAFE_PUBLIC: 'true' }),
    (err: unknown) =>
      err instanceof ConfigError &&
      /^invalid setting DEV_MAILBOX_UNSAFE_PUBLIC: .*production/.test(err.message) &&
      !err.message.includes('\n'),
  );
  assert.equal(
    loadConfig({ NODE_ENV: 'production', DEV_MAILBOX_UNSAFE_PUBLIC: 'false' }).nodeEnv,
    'production',
  );
  assert.throws(
    () => loadConfig({ DEV_MAILBOX_UNSAFE_PUBLIC: 'yes' }),
    (err: unknown) =>
      err instanceof ConfigError &&
      /^invalid setting DEV_MAILBOX_UNSAFE_PUBLIC: must be true or false/.test(err.message),
  );
});

test('the start line says plainly what the mailbox exposes', () => {
  assert.match(
    devMailboxStartNote('unsafe-public', { nodeEnv: 'development', role: 'all' }),
    /WARNING: DEV_MAILBOX_UNSAFE_PUBLIC=true/,
  );
  assert.match(
    devMailboxStartNote('unsafe-public', { nodeEnv: 'development', role: 'all' }),
    /anyone can take over any account/,
  );
  assert.match(
    devMailboxStartNote('loopback', { nodeEnv: 'development', role: 'all' }),
    /loopback requests only/,
  );
  assert.match(
    devMailboxStartNote('off', { nodeEnv: 'development', role: 'all' }),
    /development mailbox off/,
  );
  assert.equal(devMailboxStartNote('off', { nodeEnv: 'production', role: 'all' }), '');
  // A gateway-only process has no portal to speak of, but the unsafe warning is always given.
  assert.equal(devMailboxStartNote('loopback', { nodeEnv: 'development', role: 'gateway' }), '');
  assert.match(devMailboxStartNote('unsafe-public', { nodeEnv: 'development', role: 'gateway' }), /WARNING/);
});
