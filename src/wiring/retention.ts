import { RetentionJob } from "../store/retention-job.ts";
import type { Base } from "./base.ts";
import type { Module } from "./module.ts";

/** Deletes what storage.retention no longer keeps. */
export function wireRetention({ config, store, clock, logger, metrics }: Base): { retention: RetentionJob; module: Module } {
  const retention = new RetentionJob(store.retention, clock, config.storage.retention, {
    logger,
    deleted: (kind, rows) => metrics.retentionDeleted.inc({ kind }, rows),
    deadLetters: store.ingestDeadLetters,
  });
  return { retention, module: { name: "retention", start: () => retention.start(), shutdown: () => retention.shutdown() } };
}
