import { Counter, type Registry } from "prom-client";
import type { ChangeFormat } from "../core/change.ts";

/** What became of a received change: stored, a re-send of one stored before, ignored (not a change), rejected (bad input). */
export type ChangeOutcome = "stored" | "duplicate" | "ignored" | "rejected";

/** How a change arrived. */
export type ChangeTransport = "api" | "kafka";

/** What change intake reports. */
export interface ChangeMetrics {
  changes(source: ChangeTransport, format: ChangeFormat | "unknown", outcome: ChangeOutcome, count: number): void;
}

export const noChangeMetrics: ChangeMetrics = { changes: () => {} };

/** Change intake's Prometheus counter, registered on the registry Sluice exports at /metrics. */
export function prometheusChangeMetrics(registry: Registry): ChangeMetrics {
  const changes = new Counter({
    name: "sluice_changes_total",
    help: "Change events (deploys, config changes) by source (api, kafka), format (sluice, pagerduty, github) and outcome (stored, duplicate, ignored, rejected)",
    labelNames: ["source", "format", "outcome"],
    registers: [registry],
  });
  return { changes: (source, format, outcome, count) => changes.inc({ source, format, outcome }, count) };
}
