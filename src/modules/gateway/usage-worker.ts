import { parentPort, workerData } from 'node:worker_threads';
import { type DatabaseLocation, openLocation } from '../../platform/db/database.ts';
import type { OutcomeRules } from './outcome.ts';
import type { GatewayTables } from './tables.ts';
import { decodeBatch } from './usage-codec.ts';
import { type FromWorker, MAX_MERGED_ROWS, type ToWorker } from './usage-sink.ts';
import { type UsageRecord, UsageWriter } from './usage-writer.ts';

/**
 * The usage worker thread: owns one connection to the main database and writes the batches the
 * recorder hands it, in the order they arrived, answering every batch once it is committed (or
 * failed). Batches that are waiting when a write starts go into one transaction together, up to
 * MAX_MERGED_ROWS rows for the engine (usage-sink.ts): the further behind the writer is, the more calls share
 * each rollup row, so the cost per call falls as the backlog grows (docs/performance.md item 39).
 * A merged write is still one transaction with its raw rows, so the rollups count each row once.
 * On 'close' it finishes the batches already queued, closes the connection and exits.
 */
const port = parentPort;
if (!port) throw new Error('usage-worker.ts runs as a worker thread');
// The outcome rules come as data from the thread that started this one (a function could not).
const { location, outcomeRules, maxMergedRows } = workerData as {
  location: DatabaseLocation;
  outcomeRules?: OutcomeRules;
  maxMergedRows?: number;
};
const database = openLocation<GatewayTables>(location, 1);
const writer = new UsageWriter(database.db, database.dialect, outcomeRules);
const maxRows = maxMergedRows ?? MAX_MERGED_ROWS[database.dialect];

type Write = Extract<ToWorker, { type: 'write' }>;
const waiting: Write[] = [];
let draining = false;
let closing = false;
let transactions = 0;

port.on('message', (m: ToWorker) => {
  if (m.type === 'write') waiting.push(m);
  else if (m.type === 'close') closing = true;
  // After this turn: the batches the recorder posted together have all arrived by then.
  if (!draining) {
    draining = true;
    setImmediate(() => void drain());
  }
});

async function drain(): Promise<void> {
  while (waiting.length > 0) {
    const take = [waiting.shift() as Write];
    let rows = take[0].batch.count;
    while (waiting.length > 0 && rows + waiting[0].batch.count <= maxRows) {
      const next = waiting.shift() as Write;
      rows += next.batch.count;
      take.push(next);
    }
    await writeTogether(take);
  }
  draining = false;
  if (closing) {
    await database.close().catch(() => {});
    port?.close();
  }
}

async function writeTogether(take: Write[]): Promise<void> {
  const transaction = ++transactions;
  let records: UsageRecord[] = [];
  for (const m of take) records = records.concat(decodeBatch(m.batch));
  let replies: FromWorker[];
  try {
    const { reduced } = await writer.write(records);
    // The reduced rows are logged by the recorder, once each: they go with the first answer.
    replies = take.map((m, i) => ({ id: m.id, ok: true, reduced: i === 0 ? reduced : [], transaction }));
  } catch (err) {
    replies = take.map((m) => ({ id: m.id, ok: false, error: (err as Error).message }));
  }
  for (const r of replies) port?.postMessage(r);
}
