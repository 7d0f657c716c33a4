import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { luaString, parseWrkReport, pickGenerator, wrkScript } from './load-generators.ts';

const REPORT = `Running 5s test @ http://127.0.0.1:40000/darwaza/sandbox/path-1
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.27ms  612.41us  18.03ms   90.12%
    Req/Sec    39.10k     2.01k   42.77k    78.00%
  Latency Distribution
     50%    1.12ms
     75%    1.40ms
     90%    1.80ms
     99%    4.91ms
  194562 requests in 5.00s, 215.22MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 7
Requests/sec:  38905.31
Transfer/sec:     43.03MB
`;

describe('wrk report', () => {
  it('reads requests, rate, percentiles, non-2xx and socket errors', () => {
    const r = parseWrkReport(REPORT);
    assert.equal(r.total, 194562);
    assert.equal(r.rps, 38905.31);
    assert.equal(r.p50Ms, 1.12);
    assert.equal(r.p99Ms, 4.91);
    assert.equal(r.non2xx, 7);
    assert.equal(r.ok, 194562 - 7);
    assert.equal(r.errors, 3);
  });

  it('converts microseconds and seconds to ms', () => {
    const r = parseWrkReport(
      REPORT.replace('50%    1.12ms', '50%  812.00us').replace('99%    4.91ms', '99%    1.02s'),
    );
    assert.equal(r.p50Ms, 0.812);
    assert.equal(r.p99Ms, 1020);
  });

  it('a clean run has no errors and every request ok', () => {
    const r = parseWrkReport(REPORT.replace(/ {2}Socket errors.*\n/, '').replace(/ {2}Non-2xx.*\n/, ''));
    assert.equal(r.errors, 0);
    assert.equal(r.non2xx, 0);
    assert.equal(r.ok, r.total);
  });

  it('refuses a report without the latency distribution (run without --latency)', () => {
    assert.throws(() => parseWrkReport(REPORT.replace(/ {5}99%.*\n/, '')), /99% latency/);
  });
});

describe('wrk script', () => {
  it('long strings hold any text verbatim, whatever brackets it contains', () => {
    assert.equal(luaString('POST'), '[[POST]]');
    assert.equal(luaString('a]]b'), '[=[a]]b]=]');
    assert.equal(luaString('a]]b]=]c'), '[==[a]]b]=]c]==]');
    assert.equal(luaString('ends]'), '[=[ends]]=]');
    assert.equal(luaString('\nfirst'), '[[\n\nfirst]]');
  });

  it('sets method, body and each header (index expressions spaced, not read as long strings)', () => {
    const s = wrkScript({
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer t' },
      body: '{"a":[1]}',
    });
    assert.equal(
      s,
      [
        'wrk.method = [[POST]]',
        'wrk.body = [[{"a":[1]}]]',
        'wrk.headers[ [[content-type]] ] = [[application/json]]',
        'wrk.headers[ [[authorization]] ] = [[Bearer t]]',
        '',
      ].join('\n'),
    );
  });
});

describe('generator choice', () => {
  it('autocannon when asked; wrk asked for but missing is an error that says what to do', () => {
    assert.equal(pickGenerator('autocannon').name, 'autocannon');
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      assert.throws(() => pickGenerator('wrk'), /apt-get install wrk.*--generator autocannon/);
      assert.equal(pickGenerator('auto').name, 'autocannon');
    } finally {
      process.env.PATH = path;
    }
  });
});
