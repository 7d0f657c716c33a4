import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sourceAddressKey } from './source-address.ts';

test('IPv4 counts alone; IPv4-mapped IPv6 counts as its IPv4 address', () => {
  assert.equal(sourceAddressKey('192.0.2.1'), '192.0.2.1');
  assert.equal(sourceAddressKey('::ffff:192.0.2.1'), '192.0.2.1');
  assert.equal(sourceAddressKey('::FFFF:c000:0201'), '192.0.2.1');
  assert.equal(sourceAddressKey('0:0:0:0:0:ffff:127.0.0.1'), '127.0.0.1');
});

test('IPv6 counts by its /64, whatever the spelling', () => {
  const key = '2001:db8:0:1::/64';
  for (const ip of [
    '2001:db8:0:1::1',
    '2001:db8:0:1:ffff:ffff:ffff:ffff',
    '2001:0DB8:0000:0001:0000:0000:0000:0002',
    '2001:db8::1:1:2:3:4',
    '2001:db8:0:1::9%eth0',
    '2001:db8:0:1:0:0:192.0.2.1',
  ]) {
    assert.equal(sourceAddressKey(ip), key, ip);
  }
  assert.notEqual(sourceAddressKey('2001:db8:0:2::1'), key);
  assert.equal(sourceAddressKey('::1'), '0:0:0:0::/64');
  assert.equal(sourceAddressKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
});

test('anything that is not an address is one shared unit', () => {
  for (const x of [undefined, '', 'localhost', '1.2.3', '::g', '1.2.3.4/24']) {
    assert.equal(sourceAddressKey(x), 'unknown', String(x));
  }
});
