import type { Severity } from "./signal.ts";

/** How long incidents took to be acknowledged and resolved (MTTA and MTTR, DESIGN §8), from their first signal. */
export interface LifecycleMetrics {
  settled(step: "acknowledged" | "resolved", severity: Severity, seconds: number): void;
}

export const noLifecycleMetrics: LifecycleMetrics = { settled: () => {} };
