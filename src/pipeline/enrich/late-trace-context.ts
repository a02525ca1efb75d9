import type { Logger } from "pino";
import type { Store } from "../../core/ports/store.ts";
import type { Signal } from "../../core/signal.ts";
import type { LifecycleService } from "../../lifecycle/lifecycle-service.ts";
import type { IngestResult } from "../ingest/ingest-runner.ts";
import type { TraceEnrichment } from "./providers/trace-enrichment.ts";

export interface LateTraceContextDeps {
  store: Pick<Store, "incidents">;
  lifecycle: Pick<LifecycleService, "updateContext">;
  enrichment: Pick<TraceEnrichment, "contextOf">;
  now(): number;
  logger: Logger;
}

/**
 * Brings a failing trace's root cause, blast radius and request timeline to an incident it joined that
 * opened without them: an event naming the trace came before the trace was analysed, or another source's
 * signal opened the incident. The change goes on the timeline and to every linked ticket. Once per
 * incident: an incident that has trace context keeps it. Failures are logged, never thrown: the signals
 * are stored either way.
 */
export async function attachLateTraceContext(
  deps: LateTraceContextDeps,
  signals: readonly Signal[],
  results: readonly IngestResult[],
): Promise<void> {
  const seen = new Set<string>();
  for (const [i, result] of results.entries()) {
    const traceId = signals[i]?.traceId;
    if (result.outcome !== "deduplicated" || !result.incident || !traceId || seen.has(result.incident)) continue;
    seen.add(result.incident);
    try {
      const incident = await deps.store.incidents.get(result.incident);
      if (!incident || incident.state === "resolved" || incident.context.trace) continue;
      const trace = await deps.enrichment.contextOf(traceId, deps.now());
      if (!trace) continue;
      const { service, operation } = trace.rootCause;
      await deps.lifecycle.updateContext(
        incident.id,
        { trace },
        { actor: "sluice:traces", detail: `failing trace ${trace.traceId} joined: root cause ${service} (${operation})` },
      );
    } catch (error) {
      deps.logger.warn({ err: error, incident: result.incident }, "attaching a late trace to its incident failed");
    }
  }
}
