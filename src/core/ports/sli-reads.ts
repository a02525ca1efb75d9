import type { IncidentContext } from "../enrichment.ts";
import type { IncidentState } from "../incident.ts";
import type { Severity } from "../signal.ts";
import type { NewTimelineEvent } from "../timeline.ts";

/** An incident as the ticketing SLIs read it. */
export interface SliIncident {
  id: string;
  severity: Severity;
  state: IncidentState;
  /** The first signal's own timestamp. */
  firstSeenAt: number;
  /** When Sluice opened the incident: the first signal's arrival, by Sluice's clock. */
  createdAt: number;
  acknowledgedAt: number | null;
  resolvedAt: number | null;
  escalationLevel: number;
  context: IncidentContext;
}

/** What the SLIs are computed from: incidents created in a range, their tickets, and the timeline entries that tell how they went. */
export interface SliFacts {
  incidents: SliIncident[];
  /** When each platform confirmed each ticket's creation. */
  tickets: { incidentId: string; platform: string; createdAt: number }[];
  /** Entries of the actions the SLIs read (assigned, acknowledged, escalated, resolved, outcome), oldest first. */
  timeline: NewTimelineEvent[];
}

export interface SliReads {
  /** Facts of the incidents created at or after `from` and at or before `to`. */
  facts(from: number, to: number): Promise<SliFacts>;
}

/** The timeline actions the SLIs read. */
export const SLI_TIMELINE_ACTIONS = ["assigned", "acknowledged", "escalated", "resolved", "reopened", "outcome"] as const;
