import { Counter, type Registry } from "prom-client";
import type { OtlpLogsConfig } from "../../config/otlp-logs-config.ts";
import type { Signal } from "../../core/signal.ts";

/** What became of received log records. */
export type LogRecordOutcome = "signal" | "below_severity" | "malformed";

/** What POST /v1/logs needs: where records land by default, the runner, and the counter. */
export interface LogsIntake {
  config: OtlpLogsConfig;
  /** Stores the signals and runs the pipeline; resolves once they are durable. */
  submit(signals: Signal[]): Promise<unknown>;
  count(outcome: LogRecordOutcome, records: number): void;
}

export function createLogsIntake(config: OtlpLogsConfig, submit: LogsIntake["submit"], registry: Registry): LogsIntake {
  const counter = new Counter({
    name: "sluice_log_records_total",
    help: "OTLP log records received, by outcome (signal, below_severity: under otlpLogs.minimumLevel, malformed: the request was refused)",
    labelNames: ["outcome"],
    registers: [registry],
  });
  return { config, submit, count: (outcome, records) => counter.inc({ outcome }, records) };
}
