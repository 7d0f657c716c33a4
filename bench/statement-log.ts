import type { LogEvent } from 'kysely';

/**
 * Where a writer's time goes (`bench:analytics --statements`): Kysely's statement log summed by
 * the statement's first words (its verb and table), with how many rows the statements carried (the
 * length of their first parameter when it is an array — PostgreSQL's one-array-per-column INSERTs —
 * or a JSON array).
 */
export function statementLog(): { log: (e: LogEvent) => void; lines: () => string[] } {
  const totals = new Map<string, { ms: number; n: number; rows: number }>();
  const log = (e: LogEvent) => {
    const kind = e.query.sql.replace(/\s+/g, ' ').trim().split(' ').slice(0, 3).join(' ');
    const t = totals.get(kind) ?? { ms: 0, n: 0, rows: 0 };
    t.ms += e.queryDurationMillis;
    t.n++;
    const p = e.query.parameters[0];
    if (Array.isArray(p)) t.rows += p.length;
    else if (typeof p === 'string' && p.startsWith('[')) t.rows += (JSON.parse(p) as unknown[]).length;
    totals.set(kind, t);
  };
  const lines = () =>
    [...totals]
      .sort((a, b) => b[1].ms - a[1].ms)
      .map(
        ([kind, t]) =>
          `    ${t.ms.toFixed(0).padStart(7)} ms ${String(t.n).padStart(5)} statements ${String(t.rows).padStart(8)} rows  ${kind}`,
      );
  return { log, lines };
}
