import { parseArgs } from 'node:util';
import type { AuditVerification } from '../modules/audit/index.ts';
import { type CliCommand, configOrExit, fail } from './command.ts';
import { openSystem } from './open-system.ts';

/**
 * darwaza audit verify [--from SEQ] [--json]: verifies the audit hash chain on the server's
 * database with the server's key (docs/audit.md). Exit 0 when intact; 1 when damaged, naming the
 * first bad event (id and seq) and the kind of damage. Unsealed and unanchored events are
 * reported on their own lines, not as damage. Progress goes to stderr.
 */
const USAGE = `darwaza audit verify [--from SEQ] [--json]

Verifies the audit trail's hash chain: recomputes every event's hash in sequence order and checks
every signed checkpoint. Exit code 0 when intact, 1 when damaged (the first bad event and the kind of
damage: edited, deleted, inserted, reordered, truncated, recomputed), 2 for bad arguments, 3 when the
database or key cannot be opened. Events not sealed yet and events after the last checkpoint
(unanchored) are counted, not damage.

  --from SEQ  start at the newest checkpoint before SEQ instead of the oldest kept one
  --json      print the result as JSON (the shape getAuditVerification answers)

Uses DATA_DIR or DATABASE_URL, and MASTER_KEY (or AUDIT_SIGNING_KEY; AUDIT_TRUSTED_KEYS for keys
before a rotation), as the server does. A full run stores its result for the operator console.`;

function describeVerification(r: AuditVerification): string {
  const lines: string[] = [];
  if (r.firstDamage) {
    const d = r.firstDamage;
    lines.push(
      `audit chain DAMAGED: ${d.kind} event ${d.eventId ?? '(no longer in the database)'} at seq ${d.seq}: ${d.message}`,
    );
  } else {
    lines.push(
      `audit chain intact: ${r.sealed} sealed events checked from seq ${r.fromSeq} in ${r.durationMs} ms`,
    );
  }
  lines.push(
    r.lastCheckpoint
      ? `last checkpoint: seq ${r.lastCheckpoint.seq} at ${r.lastCheckpoint.at} (key ${r.lastCheckpoint.keyId})`
      : 'no checkpoint yet',
  );
  lines.push(`unanchored (after the last checkpoint, not yet signed): ${r.unanchored}`);
  lines.push(`unsealed (committed, not yet chained): ${r.unsealed}`);
  return `${lines.join('\n')}\n`;
}

export const auditCommand: CliCommand = {
  name: 'audit',
  summary: 'Verify the audit trail hash chain (audit verify)',
  usage: USAGE,
  async run(args) {
    const [sub, ...rest] = args;
    if (sub !== 'verify') fail(`unknown audit command "${sub ?? ''}"; run darwaza audit --help`, 2);
    const { values } = parseArgs({
      args: rest,
      options: { from: { type: 'string' }, json: { type: 'boolean' } },
    });
    const fromSeq = values.from === undefined ? undefined : Number(values.from);
    if (fromSeq !== undefined && (!Number.isSafeInteger(fromSeq) || fromSeq < 1)) {
      fail(`--from must be a sequence number (a whole number from 1), got "${values.from}"`, 2);
    }
    const system = await openSystem(configOrExit(), 'existing');
    try {
      let shown = 0;
      const started = Date.now();
      const result = await system.services.auditChain.verification.verify({
        fromSeq,
        onProgress: (p) => {
          // About once a second on long runs; nothing for short ones.
          const now = Date.now();
          if (now - started < 1000 || now - shown < 1000) return;
          shown = now;
          process.stderr.write(`  verified ${p.checked} events (seq ${p.seq} of ${p.lastSeq})\n`);
        },
      });
      const key = system.services.auditChain.publicKey;
      process.stdout.write(
        values.json
          ? `${JSON.stringify(result, null, 2)}\n`
          : `${describeVerification(result)}signing key now: ${key.keyId} (public key ${key.base64})\n`,
      );
      return result.intact ? 0 : 1;
    } finally {
      await system.shutdown();
    }
  },
};
