import type { Incident } from "../../core/incident.ts";
import type { EvidenceItem, EvidenceSource, RecommendedAction, StepExecuted } from "../../core/investigation.ts";
import type { ServiceGraph } from "../../core/trace.ts";
import type { ExtraEvidence, MetricEvidence } from "../analysis/types.ts";
import type { InvestigationReads } from "../batch-reads.ts";

/** What every collector is asked: one incident, its neighbourhood and the time around its onset. */
export interface InvestigationQuery {
  incident: Incident;
  /** When the incident began: its first signal (epoch ms). */
  onsetAt: number;
  /** Evidence window [from, to]: from `investigation.window` before onset to now. */
  from: number;
  to: number;
  /** Normal operation to compare with: [baselineFrom, from). */
  baselineFrom: number;
  /** The incident's service first, then its callers and callees (trace graph and catalog). */
  services: string[];
  /** Caller → callee edges among `services`. */
  edges: { caller: string; callee: string }[];
  /** The trace store's dependency graph of the incident's tenant and environment over the window. */
  graph: ServiceGraph;
  /** Store reads shared with the other collectors and investigations of the batch; absent, read the store. */
  reads?: InvestigationReads;
}

/** Read-only collectors share one budget per investigation: query steps and wall time. */
export interface Budget {
  /** Takes one query step; false when none is left (the query is then skipped and recorded so). */
  take(): boolean;
  /** Aborted when the investigation's wall time is up. */
  readonly signal: AbortSignal;
}

/** What a collector found: evidence items for people, typed evidence for the analysis, the queries it ran. */
export interface Collected {
  items: EvidenceItem[];
  /** Typed evidence for the analysis; every id is one of `items`. */
  extra: ExtraEvidence[];
  metrics: MetricEvidence[];
  actions: RecommendedAction[];
  /** Queries beyond the collector's one step (the metrics collector runs one per series). */
  steps: StepExecuted[];
}

/**
 * One source of evidence. It only reads: from Sluice's store or a read-only HTTP API (Prometheus
 * query_range). A collector that fails fails alone; the investigation records the step and goes on.
 */
export interface Collector {
  readonly source: EvidenceSource;
  /** The collector's query for this incident, as the report shows it. */
  describe(query: InvestigationQuery): string;
  collect(query: InvestigationQuery, budget: Budget): Promise<Collected>;
  /** One ad-hoc read-only query (the LLM's tool) as evidence `id`, for collectors that can run one. */
  probe?(text: string, query: InvestigationQuery, id: string, signal: AbortSignal): Promise<EvidenceItem>;
}

export function emptyCollected(): Collected {
  return { items: [], extra: [], metrics: [], actions: [], steps: [] };
}

/** Cuts text for a one-line summary. */
export function clip(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}
