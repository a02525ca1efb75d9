import { Counter, Gauge, type Registry } from "prom-client";
import type { DeadLetterBacklog } from "../core/ports/ingest-dead-letters.ts";
import type { DeadLetterAction } from "../pipeline/ingest/dead-letter-admin.ts";

/**
 * The ingest dead letters at /metrics: what waits for an operator, read from the store at each scrape (every
 * replica reports the same figures: take one, not their sum), and what operators did, counted by this replica.
 */
export function registerDeadLetterMetrics(
  registry: Registry,
  backlog: () => Promise<DeadLetterBacklog>,
  now: () => number,
): { refresh(): Promise<void>; resolved(action: DeadLetterAction, signals: number): void } {
  const entries = new Gauge({
    name: "sluice_ingest_dead_letter_entries",
    help: "Ingest dead letters waiting for an operator (state dead: neither retried nor discarded), of every replica",
    registers: [registry],
  });
  const signals = new Gauge({
    name: "sluice_ingest_dead_letter_signals",
    help: "Signals in the ingest dead letters waiting for an operator",
    registers: [registry],
  });
  const age = new Gauge({
    name: "sluice_ingest_dead_letter_age_seconds",
    help: "Since the latest failure of the oldest waiting ingest dead letter (0 when none waits); storage.retention.deadLetters deletes it at that age",
    registers: [registry],
  });
  const resolved = new Counter({
    name: "sluice_ingest_dead_letters_resolved_total",
    help: "Signals of ingest dead letters operators retried (appended to the ingest log again) or discarded, by action, on this replica",
    labelNames: ["action"],
    registers: [registry],
  });
  return {
    async refresh() {
      const current = await backlog();
      entries.set(current.entries);
      signals.set(current.signals);
      age.set(current.oldestFailedAt === null ? 0 : Math.max(0, (now() - current.oldestFailedAt) / 1000));
    },
    resolved: (action, count) => resolved.inc({ action }, count),
  };
}
