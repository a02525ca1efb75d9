import { newId } from "../../core/ids.ts";
import { priorityFor } from "../../core/incident.ts";
import type { NewIncident } from "../../core/ports/store.ts";
import type { Signal } from "../../core/signal.ts";
import type { RouteDecision } from "../route/route.ts";

/** The incident a signal opens, routed and with its template summary. */
export function newIncident(
  signal: Signal,
  fingerprint: string,
  patternId: string | null,
  routed: RouteDecision,
  now: number,
): NewIncident {
  return {
    id: newId(now),
    fingerprint,
    kind: signal.kind,
    title: signal.title,
    tenant: signal.tenant,
    service: signal.service,
    environment: signal.environment,
    errorPattern: signal.errorPattern,
    patternId,
    severity: signal.severity,
    priority: priorityFor(signal.severity),
    state: "open",
    firstSeenAt: signal.occurredAt,
    lastSeenAt: signal.occurredAt,
    signalCount: 1,
    escalationLevel: 0,
    platforms: routed.platforms,
    matchedRule: routed.rule,
    summary: summarize(signal),
    context: {},
    createdAt: now,
    updatedAt: now,
    acknowledgedAt: null,
    resolvedAt: null,
  };
}

function summarize(signal: Signal): string {
  const score = signal.score === null ? "" : ` (score ${signal.score.toFixed(2)})`;
  return `${signal.kind} on ${signal.service} in ${signal.environment}${score}: ${signal.message || signal.title}`.slice(0, 1000);
}
