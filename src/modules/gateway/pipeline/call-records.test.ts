import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { queryObjects } from 'node:v8';
import { echoOperation } from '../testing.ts';
import { type CallState, newCallState } from './call.ts';
import { CallRecordFeed } from './call-records.ts';
import { BODY_HEAD_SIZE, type CallRecord } from './records.ts';

const state = (i: number): CallState => {
  const s = newCallState(
    echoOperation(),
    'sandbox',
    {
      method: 'POST',
      url: '/darwaza/sandbox/path-1',
      headers: { 'user-agent': 'curl/8.0', 'x-ibm-client-id': 'cid' },
      body: { STAN: '123456', RRN: '000000000001' },
      query: {},
      ip: '10.0.0.1',
      requestId: `req_${i}`,
      bytesIn: 10,
    },
    1_800_000_000_000 + i,
    0,
  );
  s.result = { status: 200, body: { ResponseCode: '00', AuthorizationIdentificationResponse: '654321' } };
  s.networkCode = '00';
  s.out.payload = '{}';
  return s;
};

describe('call records (the off-path feed)', () => {
  it('delivers every pushed call as a record, in one batch after the current turn', async () => {
    const feed = new CallRecordFeed();
    const got: CallRecord[][] = [];
    feed.subscribe((b) => {
      got.push([...b]);
    });
    for (let i = 0; i < 5; i++) feed.push(state(i));
    assert.equal(got.length, 0, 'never inside the call that pushed it');
    await new Promise((r) => setImmediate(r));
    assert.equal(got.length, 1);
    assert.deepEqual(
      got[0].map((r) => r.requestId),
      ['req_0', 'req_1', 'req_2', 'req_3', 'req_4'],
    );
    const r = got[0][0];
    assert.deepEqual(r.refs, { stan: '123456', rrn: '000000000001', authId: '654321' });
    // The classes are the detectors' worker's to compute: the record carries their raw inputs.
    assert.equal(r.probe, undefined);
    assert.deepEqual(r.source, { ip: '10.0.0.1' });
    assert.deepEqual(r.inputs, {
      query: '',
      bodyHead: '{"STAN":"123456","RRN":"000000000001"}',
      userAgent: 'curl/8.0',
    });
    assert.equal(r.client.clientId, 'cid');
    assert.equal(r.atMs, 1_800_000_000_000);
  });

  it('a slow subscriber sheds its oldest batches beyond its bound and counts them; others get all', async () => {
    const feed = new CallRecordFeed({ maxQueued: 3 });
    let release!: () => void;
    const slowGot: string[] = [];
    const slow = feed.subscribe(async (b) => {
      for (const r of b) slowGot.push(r.requestId);
      await new Promise<void>((r) => {
        release = r;
      });
    });
    const fast: string[] = [];
    feed.subscribe((b) => {
      for (const r of b) fast.push(r.requestId);
    });
    for (let i = 0; i < 8; i++) {
      feed.push(state(i));
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(fast.length, 8);
    assert.deepEqual(slowGot, ['req_0']);
    assert.equal(slow.dropped(), 4, 'seven waiting, the oldest four shed');
    release();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(slowGot, ['req_0', 'req_5', 'req_6', 'req_7']);
  });

  it('a throwing subscriber is counted and stays subscribed; no subscriber costs nothing', async () => {
    const feed = new CallRecordFeed();
    feed.push(state(0)); // nobody listening: not queued
    const sub = feed.subscribe(() => {
      throw new Error('boom');
    });
    feed.push(state(1));
    feed.push(state(2));
    feed.flush();
    assert.equal(sub.failures(), 1);
    feed.push(state(3));
    feed.flush();
    assert.equal(sub.failures(), 2);
    sub.unsubscribe();
  });

  it('the record carries the query and a bounded head of the body, and the feed keeps no call state', () => {
    const feed = new CallRecordFeed();
    const got: CallRecord[] = [];
    feed.subscribe((b) => {
      got.push(...b);
    });
    /** Marks the state's headers and answer, so that the heap can be asked whether they live. */
    class Held {}
    (() => {
      const s = state(0);
      s.input.url = '/darwaza/sandbox/path-1?x=1';
      s.input.bodyText = `{"Narration":"${'a'.repeat(BODY_HEAD_SIZE * 2)}"}`;
      s.input.headers = Object.assign(new Held(), s.input.headers);
      s.result = Object.assign(new Held(), s.result);
      feed.push(s);
    })();
    // queryObjects collects garbage first, then counts what is still reachable.
    assert.equal(
      queryObjects(Held, { format: 'count' }),
      0,
      'the state (its headers, its answer) is garbage before the feed delivers',
    );
    feed.flush();
    const [r] = got;
    assert.equal(r.path, '/darwaza/sandbox/path-1');
    assert.equal(r.inputs?.query, '?x=1');
    assert.equal(r.inputs?.bodyHead.length, BODY_HEAD_SIZE);
    assert.ok(r.inputs?.bodyHead.toString().startsWith('{"Narration":"aaa'));
  });

  it("a body's bytes as received become the head as a view of them, cut at the bound", () => {
    const feed = new CallRecordFeed();
    const got: CallRecord[] = [];
    feed.subscribe((b) => {
      got.push(...b);
    });
    const text = `{"Narration":"${'é'.repeat(BODY_HEAD_SIZE)}"}`;
    const bytes = Buffer.from(text);
    const s = state(0);
    s.input.bodyText = text;
    s.input.bodyBytes = bytes;
    feed.push(s);
    const small = state(1);
    small.input.bodyText = '{"a":1}';
    small.input.bodyBytes = Buffer.from('{"a":1}');
    feed.push(small);
    feed.flush();
    const head = got[0]!.inputs?.bodyHead;
    assert.ok(Buffer.isBuffer(head), 'the bytes, not a re-encoded text');
    assert.equal(head.length, BODY_HEAD_SIZE);
    assert.equal(head.buffer, bytes.buffer, 'a view of the received bytes, not a copy');
    assert.equal(got[1]!.inputs?.bodyHead.toString(), '{"a":1}');
  });
});
