/** Who owns a service, from the service catalog. */
export interface OwnerContext {
  service: string;
  team: string;
  tier: string | null;
  runbookUrl: string | null;
  dashboards: { title: string; url: string }[];
  /** Name of an escalation policy (see `escalation.policies`) or free text from the catalog. */
  escalation: string | null;
  /** Where the entry came from: a catalog file path, or `backstage:<path>`. */
  source: string;
}

/** One platform's destination from the owner's catalog entry, e.g. `{ projectKey: "PAY" }`. */
export type DestinationFields = Record<string, string>;

/**
 * Per-platform destinations the owner's catalog entry picks, by platform; connectors prefer them to
 * their config. Each connector declares its own (src/connectors/<platform>/catalog-destination.ts).
 */
export type PlatformDestinations = Record<string, DestinationFields>;

/** A deploy or configuration change near the incident. */
export interface ChangeRef {
  id: string;
  service: string;
  kind: "deploy" | "config" | "feature-flag" | "infrastructure" | "other";
  summary: string;
  at: number;
  version: string | null;
  author: string | null;
  url: string | null;
  /** Whether it changed the incident's own service or one it depends on. */
  relation: "service" | "dependency";
}

/** A resolved incident that looks like this one, and how it ended. */
export interface SimilarIncident {
  key: string;
  title: string;
  service: string;
  resolvedAt: number | null;
  /** How it was resolved: the resolving actor and the last notes, as text. */
  resolution: string;
  /** Relevance, higher is more similar (BM25 plus pattern and service boosts); only comparable within one list. */
  score: number;
}

/** One span of a failing request, relative to the trace's start. */
export interface TraceStep {
  service: string;
  operation: string;
  startOffsetMs: number;
  durationMs: number;
  error: boolean;
  /** The span's status message or exception message, when it failed. */
  errorMessage: string | null;
  depth: number;
}

/** What traces say about the incident: where it starts and who feels it. */
export interface TraceContext {
  traceId: string;
  /** The deepest failing service of the failing trace. */
  rootCause: { service: string; operation: string; errorMessage: string | null };
  /** Upstream dependents of the root cause, with the share of their traffic that goes through it (0..1). */
  blastRadius: { service: string; share: number }[];
  timeline: TraceStep[];
}

/** Distinct user ids seen in the incident's signals and traces. */
/** An affected user kept as a keyed hash (redaction.affectedUsers: hash): countable, not worth showing. */
export function isHashedUser(user: string): boolean {
  return /^u:[0-9a-f]{20}$/.test(user);
}

export interface AffectedUsers {
  /** Exact up to the cap the store keeps; `capped` says when there were more. */
  count: number;
  capped: boolean;
  sample: string[];
}

/** Everything enrichment learned about an incident; each part is optional, a failed part is named in `degraded`. */
export interface IncidentContext {
  owner?: OwnerContext;
  destinations?: PlatformDestinations;
  changes?: ChangeRef[];
  similar?: SimilarIncident[];
  trace?: TraceContext;
  affectedUsers?: AffectedUsers;
  /** Enrichment steps that failed or timed out: the ticket went out without their part. */
  degraded?: string[];
}

/**
 * The context as systems outside Sluice may see it: without `destinations`, which are Sluice's own
 * routing to the other platforms and carry an owner's PagerDuty routing key.
 */
export function shareableContext(context: IncidentContext | undefined): Omit<IncidentContext, "destinations"> {
  if (!context) return {};
  const { destinations: _destinations, ...rest } = context;
  return rest;
}
