import { parentPort, workerData } from 'node:worker_threads';
import { type DatabaseLocation, openLocation } from '../../platform/db/database.ts';
import type { OutcomeRules } from './outcome.ts';
import type { GatewayTables } from './tables.ts';
import { decodeBatch } from './usage-codec.ts';
import type { FromWorker, ToWorker } from './usage-sink.ts';
import { UsageWriter } from './usage-writer.ts';

/**
 * The usage worker thread: owns one connection to the main database and writes the batches the
 * recorder hands it, in order, one transaction each, answering every batch once it is committed
 * (or failed). On 'close' it finishes the batches already queued, closes the connection and exits.
 */
const port = parentPort;
if (!port) throw new Error('usage-worker.ts runs as a worker thread');
// The outcome rules come as data from the thread that started this one (a function could not).
const { location, outcomeRules } = workerData as { location: DatabaseLocation; outcomeRules?: OutcomeRules };
const database = openLocation<GatewayTables>(location, 1);
const writer = new UsageWriter(database.db, database.dialect, outcomeRules);

// Batches are written strictly one after another, in the order they arrived.
let queue: Promise<void> = Promise.resolve();
port.on('message', (m: ToWorker) => {
  if (m.type === 'write') {
    queue = queue.then(async () => {
      let reply: FromWorker;
      try {
        const { reduced } = await writer.write(decodeBatch(m.batch));
        reply = { id: m.id, ok: true, reduced };
      } catch (err) {
        reply = { id: m.id, ok: false, error: (err as Error).message };
      }
      port.postMessage(reply);
    });
  } else if (m.type === 'close') {
    queue = queue.then(async () => {
      await database.close().catch(() => {});
      port.close();
    });
  }
});
