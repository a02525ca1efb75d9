import type { SignalOutcome } from "../../core/ports/store.ts";

/** What the pipeline reports; the API layer backs it with Prometheus counters. */
export interface PipelineMetrics {
  signals(outcome: SignalOutcome | "accepted" | "rejected" | "shed", count: number): void;
  incidentsOpened(count: number): void;
}

export const noMetrics: PipelineMetrics = { signals: () => {}, incidentsOpened: () => {} };
