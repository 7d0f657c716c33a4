import { threadId } from 'node:worker_threads';
import { z } from 'zod';
import { defineDetector } from './detector.ts';
import { penTest } from './pen-test.ts';

/**
 * Detectors for engine.test.ts, run by the engine's worker thread (`workerModule`): `thread_probe`
 * reports the thread it runs on for an edge signal on `/thread`, and an edge signal on `/crash`
 * makes the worker throw outside any handler, as a rule's bug would.
 */
const threadProbe = defineDetector({
  id: 'thread_probe',
  title: 'Thread probe (tests)',
  rule: 'Reports the thread it runs on.',
  termsClause: '-',
  severity: 'low',
  thresholds: z.strictObject({ n: z.number() }),
  defaults: { n: 1 },
  create() {
    return (s, t, report) => {
      if (s.kind !== 'edge') return;
      if (s.path === '/crash')
        setImmediate(() => {
          throw new Error('a rule failed');
        });
      if (s.path === '/thread')
        report({
          subject: { kind: 'source_address', id: s.ip },
          title: `thread ${threadId}`,
          summary: `n=${t.n}`,
          count: 1,
          requestIds: [],
          samples: [],
          windowStartMs: s.atMs,
          windowEndMs: s.atMs,
        });
    };
  },
});

export const DETECTORS = [penTest, threadProbe];
