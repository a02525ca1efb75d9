import { type Kysely, sql } from "kysely";
import type { PruneCounts, Retention, RetentionCutoffs } from "../core/ports/retention.ts";
import type { Tables } from "./rows.ts";

// SQLite answers synchronously, so awaiting its queries never lets requests in: between chunks the
// pass steps aside for pending I/O, and ingest waits for one chunk at most.
const betweenChunks = () => new Promise<void>((resolve) => setImmediate(resolve));

// Each statement is on its own: a pass holds no transaction, so ingest never waits for more than one
// chunk, and a pass cut short (a crash) leaves only what the next pass deletes.
export class KyselyRetention implements Retention {
  constructor(private readonly db: Kysely<Tables>) {}

  async prune(cutoffs: RetentionCutoffs, options: { chunk: number; maxRows: number }): Promise<PruneCounts> {
    const counts: PruneCounts = { signals: 0, changes: 0, deliveries: 0, timers: 0, incidents: 0 };
    if (cutoffs.incidents !== null) counts.incidents = await this.incidents(cutoffs.incidents, options);
    counts.signals = await this.signals(cutoffs.records, options);
    counts.changes = await this.chunked(
      options,
      (limit) => sql`DELETE FROM changes WHERE id IN (SELECT id FROM changes WHERE at < ${cutoffs.records} LIMIT ${limit})`,
    );
    counts.deliveries = await this.chunked(
      options,
      (limit) =>
        sql`DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries
        WHERE status IN ('delivered', 'dead') AND updated_at < ${cutoffs.records} LIMIT ${limit})`,
    );
    counts.timers = await this.chunked(
      options,
      (limit) =>
        sql`DELETE FROM timers WHERE id IN (SELECT id FROM timers WHERE status = 'done' AND due_at < ${cutoffs.records} LIMIT ${limit})`,
    );
    return counts;
  }

  /**
   * Signals have no index on their time (one B-tree write less per signal), but their key `seq` grows
   * with insertion: the last key received before the cutoff is found by bisecting on it, and the rows
   * up to it are walked in key order. Rows of incidents unresolved, or resolved after the cutoff, are
   * stepped over and stay.
   */
  private async signals(cutoff: number, options: { chunk: number; maxRows: number }): Promise<number> {
    const last = await this.lastSignalBefore(cutoff);
    if (last === null) return 0;
    let after = -1;
    let deleted = 0;
    while (deleted < options.maxRows) {
      const { rows } = await sql<{ seq: number }>`
        SELECT s.seq FROM signals s LEFT JOIN incidents i ON i.id = s.incident_id
        WHERE s.seq > ${after} AND s.seq <= ${last}
          AND (s.incident_id IS NULL OR i.id IS NULL OR (i.state = 'resolved' AND i.resolved_at < ${cutoff}))
        ORDER BY s.seq LIMIT ${options.chunk}`.execute(this.db);
      if (rows.length === 0) break;
      const seqs = rows.map((row) => Number(row.seq));
      await sql`DELETE FROM signals WHERE seq IN (${sql.join(seqs)})`.execute(this.db);
      deleted += seqs.length;
      after = seqs.at(-1) as number;
      if (rows.length < options.chunk) break;
      await betweenChunks();
    }
    return deleted;
  }

  private async lastSignalBefore(cutoff: number): Promise<number | null> {
    const at = async (seq: number) => {
      const { rows } = await sql<{ seq: number; received_at: number }>`
        SELECT seq, received_at FROM signals WHERE seq >= ${seq} ORDER BY seq LIMIT 1`.execute(this.db);
      return rows[0] ? { seq: Number(rows[0].seq), receivedAt: Number(rows[0].received_at) } : null;
    };
    const first = await at(Number.MIN_SAFE_INTEGER);
    if (!first || first.receivedAt >= cutoff) return null;
    const { rows } = await sql<{ seq: number }>`SELECT max(seq) AS seq FROM signals`.execute(this.db);
    let low = first.seq;
    let high = Number(rows[0]?.seq ?? first.seq);
    // Invariant: the row at `low` was received before the cutoff; none after `high` exists.
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      const probe = await at(middle);
      if (probe && probe.receivedAt < cutoff) low = probe.seq;
      else high = middle - 1;
    }
    return low;
  }

  /** Resolved incidents past the cutoff, with everything of theirs; the incident row goes last. */
  private async incidents(cutoff: number, options: { chunk: number; maxRows: number }): Promise<number> {
    let deleted = 0;
    while (deleted < options.maxRows) {
      const { rows } = await sql<{ id: string }>`
        SELECT id FROM incidents WHERE state = 'resolved' AND resolved_at < ${cutoff}
        ORDER BY resolved_at LIMIT ${options.chunk}`.execute(this.db);
      if (rows.length === 0) break;
      const ids = sql.join(rows.map((row) => row.id));
      for (const table of ["signals", "timeline", "tickets", "deliveries", "incident_alerts", "timers"] as const) {
        await sql`DELETE FROM ${sql.table(table)} WHERE incident_id IN (${ids})`.execute(this.db);
      }
      await sql`DELETE FROM incidents WHERE id IN (${ids}) AND state = 'resolved'`.execute(this.db);
      deleted += rows.length;
      if (rows.length < options.chunk) break;
      await betweenChunks();
    }
    return deleted;
  }

  private async chunked(
    options: { chunk: number; maxRows: number },
    statement: (limit: number) => ReturnType<typeof sql>,
  ): Promise<number> {
    let deleted = 0;
    while (deleted < options.maxRows) {
      const result = await statement(options.chunk).execute(this.db);
      const n = Number(result.numAffectedRows ?? 0n);
      deleted += n;
      if (n < options.chunk) break;
      await betweenChunks();
    }
    return deleted;
  }
}
