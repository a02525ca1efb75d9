import type { Severity, Signal } from "../../core/signal.ts";
import type { TraceAnalysis } from "../../core/trace.ts";
import { buildSignal } from "./build-signal.ts";

/** The source name of trace-derived signals. */
export const OTLP_SOURCE = "otlp";

const MAX_SPAN_IDS = 20;
const MAX_USERS = 100;

/**
 * A failing trace as one signal of its root-cause service. Kind `anomaly`: traces never say "resolved",
 * so the incident resolves after the quiet period, like the scorer's anomalies (ADR 0005). The trace id is
 * the upstream id, so the same trace analysed twice is one signal.
 */
export function traceSignal(analysis: TraceAnalysis, severity: Severity, receivedAt: number): Signal | null {
  const root = analysis.rootCause;
  if (!root) return null;
  return buildSignal(
    { receivedAt, source: OTLP_SOURCE },
    {
      sourceId: analysis.traceId,
      kind: "anomaly",
      tenant: analysis.tenant,
      environment: analysis.environment,
      service: root.service,
      severity,
      occurredAt: Math.floor(analysis.startUs / 1000),
      title: `${root.service}: ${root.operation || "request"} failed`,
      // The miner groups by this message, so a hundred traces failing the same way are one incident.
      message: root.errorMessage ?? `${root.operation || "request"} failed`,
      traceId: analysis.traceId,
      spanIds: analysis.failingSpanIds.slice(0, MAX_SPAN_IDS),
      affectedServices: analysis.failingServices,
      affectedUsers: analysis.users.slice(0, MAX_USERS),
      // `caller`: who to look up in the service catalog when the root cause is a peer nobody catalogued.
      labels: root.caller ? { operation: root.operation, caller: root.caller } : { operation: root.operation },
    },
  );
}
