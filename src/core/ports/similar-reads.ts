import type { TimelineEvent } from "../timeline.ts";

/** A resolved incident as similar-incident ranking reads it: its words and identity, nothing heavier. */
export interface ResolvedIncident {
  id: string;
  number: number;
  key: string;
  title: string;
  service: string;
  environment: string;
  errorPattern: string;
  patternId: string | null;
  summary: string;
  firstSeenAt: number;
  resolvedAt: number;
}

/** Which past incidents may resemble a new one. */
export interface SimilarCandidateQuery {
  tenant: string;
  service: string;
  errorPattern: string;
  /** The mined pattern, when the incident has one: its past incidents are related whatever text they show. */
  patternId?: string | null;
  /** Only incidents resolved at or after this time (epoch ms). */
  since: number;
  /** The incident being compared, never its own candidate. */
  excludeId: string | null;
  limit: number;
}

/** Past incidents to compare a new one with, and what their timelines say about how they ended. */
export interface SimilarReads {
  /**
   * Resolved incidents of the tenant resolved since `query.since`: those of the same service, error
   * pattern text or pattern id first, then the rest; most recently resolved first within each; at most `limit`.
   */
  candidates(query: SimilarCandidateQuery): Promise<ResolvedIncident[]>;
  /**
   * The notes and resolutions of these incidents (the latest `perAction` of each kind per incident,
   * details cut at `maxDetail` characters), oldest first per incident.
   */
  resolutionEvents(incidentIds: readonly string[], perAction: number, maxDetail: number): Promise<TimelineEvent[]>;
}
