import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { periodBounds } from './calendar.ts';

describe('periodBounds', () => {
  it('a Karachi day starts at 19:00 UTC the day before', () => {
    const now = Date.UTC(2026, 10, 23, 9, 0, 0);
    const b = periodBounds(now, 'day', 'Asia/Karachi');
    assert.equal(new Date(b.startMs).toISOString(), '2026-11-22T19:00:00.000Z');
    assert.equal(new Date(b.endMs).toISOString(), '2026-11-23T19:00:00.000Z');
    assert.equal(b.label, '2026-11-23');
  });
  it('after 19:00 UTC it is already the next local day', () => {
    const b = periodBounds(Date.UTC(2026, 10, 23, 19, 30), 'day', 'Asia/Karachi');
    assert.equal(b.label, '2026-11-24');
  });
  it('a Karachi month and the year boundary', () => {
    const b = periodBounds(Date.UTC(2026, 11, 31, 20, 0), 'month', 'Asia/Karachi');
    assert.equal(b.label, '2027-01');
    assert.equal(new Date(b.startMs).toISOString(), '2026-12-31T19:00:00.000Z');
    assert.equal(new Date(b.endMs).toISOString(), '2027-01-31T19:00:00.000Z');
  });
  it('handles zones with daylight saving', () => {
    const b = periodBounds(Date.UTC(2026, 2, 8, 12), 'day', 'America/New_York');
    assert.equal(b.endMs - b.startMs, 23 * 3600_000);
  });
});
