import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../clock.ts';
import { EdgeCounters, type EdgeEvent, edgeWhatOf } from './edge-counters.ts';
import { sourceNetwork } from './source-network.ts';

describe('edge counters', () => {
  it('count per kind and address within an interval; the flush hands one batch with counts and the first time', () => {
    const clock = new FakeClock(1_800_000_000_000);
    const edge = new EdgeCounters({ clock, flushMs: 60_000 });
    const got: EdgeEvent[][] = [];
    edge.subscribe((b) => got.push([...b]));
    edge.count('unknown_path', '127.0.0.5', '/wp-login.php');
    clock.advance(10);
    edge.count('unknown_path', '127.0.0.5', '/.env');
    edge.count('oversized', '127.0.0.5', null);
    edge.count('unknown_path', '127.0.0.6', `/${'x'.repeat(500)}`);
    edge.count('slow', undefined);
    assert.equal(got.length, 0, 'nothing is handed on inside a request');
    edge.flush();
    assert.equal(got.length, 1);
    assert.deepEqual(got[0], [
      { what: 'unknown_path', ip: '127.0.0.5', path: '/wp-login.php', count: 2, atMs: 1_800_000_000_000 },
      { what: 'oversized', ip: '127.0.0.5', path: null, count: 1, atMs: 1_800_000_000_010 },
      {
        what: 'unknown_path',
        ip: '127.0.0.6',
        path: `/${'x'.repeat(119)}`,
        count: 1,
        atMs: 1_800_000_000_010,
      },
      { what: 'slow', ip: 'unknown', path: null, count: 1, atMs: 1_800_000_000_010 },
    ]);
    edge.flush();
    assert.equal(got.length, 1, 'an empty interval hands on nothing');
  });

  it('flushes by itself after flushMs, and counts nothing without a subscriber', async () => {
    const edge = new EdgeCounters({ clock: new FakeClock(), flushMs: 20 });
    edge.count('slow', '127.0.0.7');
    const got: EdgeEvent[] = [];
    edge.subscribe((b) => got.push(...b));
    edge.count('slow', '127.0.0.7');
    await new Promise((r) => setTimeout(r, 60));
    assert.deepEqual(
      got.map((e) => [e.what, e.count]),
      [['slow', 1]],
    );
  });

  it('keeps at most maxKeys keys an interval and counts the rest as dropped; a throwing subscriber harms no other', () => {
    const edge = new EdgeCounters({ clock: new FakeClock(), maxKeys: 2 });
    const got: EdgeEvent[] = [];
    edge.subscribe(() => {
      throw new Error('broken');
    });
    edge.subscribe((b) => got.push(...b));
    for (let i = 1; i <= 4; i++) edge.count('connection', `127.0.0.${i}`);
    edge.count('connection', '127.0.0.1');
    edge.flush();
    assert.deepEqual(
      got.map((e) => [e.ip, e.count]),
      [
        ['127.0.0.1', 2],
        ['127.0.0.2', 1],
      ],
    );
    assert.equal(edge.dropped(), 2);
  });

  it('maps the refusals the app handles to edge kinds; other codes are none', () => {
    assert.equal(edgeWhatOf('unauthenticated'), 'unauthenticated');
    assert.equal(edgeWhatOf('rate_limited'), 'rate_limited');
    assert.equal(edgeWhatOf('FST_ERR_CTP_BODY_TOO_LARGE'), 'oversized');
    assert.equal(edgeWhatOf('json_too_deep'), 'too_deep');
    assert.equal(edgeWhatOf('validation_failed'), null);
    assert.equal(edgeWhatOf(undefined), null);
  });
});

describe('source network', () => {
  it('a /24 for IPv4, a /64 for IPv6, mapped IPv4 as IPv4; anything else is its own', () => {
    assert.equal(sourceNetwork('127.0.0.7'), '127.0.0.0/24');
    assert.equal(sourceNetwork('::ffff:10.1.2.3'), '10.1.2.0/24');
    assert.equal(sourceNetwork('2001:0db8:0000:0001:ffff::1'), '2001:db8:0:1::/64');
    assert.equal(sourceNetwork('-'), '-');
    assert.equal(sourceNetwork(undefined), 'unknown');
  });
});
