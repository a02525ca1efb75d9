import type { IncidentContext } from "./enrichment.ts";
import type { Severity, SignalKind } from "./signal.ts";

export const INCIDENT_STATES = ["open", "acknowledged", "escalated", "resolved"] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];

/** What people (and timers) do to incidents; every origin goes through one transition function. */
export const LIFECYCLE_ACTIONS = ["acknowledge", "resolve", "escalate", "reopen"] as const;
export type LifecycleAction = (typeof LIFECYCLE_ACTIONS)[number];

export type Priority = "P1" | "P2" | "P3" | "P4" | "P5";

const PRIORITY_BY_SEVERITY: Record<Severity, Priority> = {
  critical: "P1",
  high: "P2",
  medium: "P3",
  low: "P4",
  info: "P5",
};

export function priorityFor(severity: Severity): Priority {
  return PRIORITY_BY_SEVERITY[severity];
}

/** What enrichment and similarity read of an incident: which problem it is, in words. */
export interface IncidentDescription {
  incidentId: string;
  tenant: string;
  service: string;
  environment: string;
  errorPattern: string;
  /** The mined pattern; absent or null: the problem is known by its text only. */
  patternId?: string | null;
  title: string;
  summary: string;
}

/** The description of an incident (stored, or about to be). */
export function describeIncident(
  incident: Pick<Incident, "id" | "tenant" | "service" | "environment" | "errorPattern" | "patternId" | "title" | "summary">,
): IncidentDescription {
  const { id, tenant, service, environment, errorPattern, patternId, title, summary } = incident;
  return { incidentId: id, tenant, service, environment, errorPattern, patternId, title, summary };
}

/** The unit of work: every signal that belongs to one problem. */
export interface Incident {
  id: string;
  number: number;
  key: string;
  fingerprint: string;
  kind: SignalKind;
  title: string;
  tenant: string;
  service: string;
  environment: string;
  /** The mined template people read; follows the pattern as its template generalises. */
  errorPattern: string;
  /** The mined pattern this incident is the problem of; null when a source named the problem (an alert). */
  patternId: string | null;
  severity: Severity;
  priority: Priority;
  state: IncidentState;
  firstSeenAt: number;
  lastSeenAt: number;
  signalCount: number;
  escalationLevel: number;
  /** Platforms this incident is routed to and the rule that chose them. */
  platforms: string[];
  matchedRule: string;
  summary: string;
  /** Where the summary came from: the deterministic template, or an LLM that improved it later. */
  summarySource: "template" | "llm";
  /** What enrichment learned: owner, destinations, changes, similar incidents, traces, affected users. */
  context: IncidentContext;
  createdAt: number;
  updatedAt: number;
  acknowledgedAt: number | null;
  resolvedAt: number | null;
  /** Bumped by every write; a write based on an older version is refused (optimistic concurrency). */
  version: number;
}

export function incidentKey(number: number): string {
  return `INC-${number}`;
}
