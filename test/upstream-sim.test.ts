import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ibftBody } from '../src/modules/sandbox/test-support.ts';
import { startUpstream, type UpstreamProcess } from './upstream-helpers.ts';

/** `darwaza upstream`: the simulated production upstream as its own process (issue 35 item 3). */
describe('darwaza upstream (simulated production upstream)', () => {
  let up: UpstreamProcess;
  before(async () => {
    up = await startUpstream();
  });
  after(async () => {
    await up.stop();
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${up.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it('answers a title fetch in the network format with the sandbox handlers, counting hits', async () => {
    const r = await post('/path-1', ibftBody(), { 'x-darwaza-org-id': 'org_a' });
    assert.equal(r.status, 200);
    const body = (await r.json()) as Record<string, string>;
    assert.equal(body.ResponseCode, '00');
    assert.match(body.RRN, /^\d{12}$/);
    assert.equal((await up.hits()).ibftTitleFetch, 1);
  });

  it('refuses a malformed request the way the network does (a response code, the field named)', async () => {
    const r = await post('/path-1', { ...ibftBody(), TransactionAmount: '12' });
    const body = (await r.json()) as Record<string, string>;
    assert.notEqual(body.ResponseCode, '00');
    assert.match(body.ResponseDetail, /TransactionAmount/);
  });

  it('an unknown path is 404', async () => {
    const r = await post('/nowhere', {});
    assert.equal(r.status, 404);
    await r.arrayBuffer();
  });

  it('faults: the next calls answer 503, then it answers again', async () => {
    await up.faults(1, 503);
    const r1 = await post('/path-1', ibftBody());
    assert.equal(r1.status, 503);
    await r1.arrayBuffer();
    const r2 = await post('/path-1', ibftBody());
    assert.equal(r2.status, 200);
    await r2.arrayBuffer();
  });

  it('stops on SIGTERM with exit code 0', async () => {
    const other = await startUpstream();
    assert.equal(await other.stop(), 0);
  });
});
