/**
 * An investigation's report: what Sluice concluded about an incident's cause, the evidence it read, the
 * steps it ran and what it recommends. Stored per incident in versions (a re-investigation adds one),
 * served by the API and written into every linked ticket.
 */

/** Where a piece of evidence came from: one collector each. */
export type EvidenceSource = "changes" | "history" | "traces" | "logs" | "metrics" | "kubernetes" | "runbook" | "llm";

/** One piece of evidence: what was asked, what came back, and where a person can see it. */
export interface EvidenceItem {
  /** Unique within its report; hypotheses cite it. */
  id: string;
  source: EvidenceSource;
  /** The query that produced it, as the collector ran it (PromQL, a store lookup). */
  query: string;
  summary: string;
  /** A graph URL, a trace id, an incident or change URL; null when there is nothing to open. */
  link: string | null;
}

export type InvestigationOutcome = "hypothesis" | "abstained" | "failed" | "out-of-budget";

/** Why the investigation ran. */
export type InvestigationTrigger = "opened" | "reopened" | "severity-raised" | "requested";

export interface ReportHypothesis {
  /** The component named as the cause (a service, a resource). */
  component: string;
  /** Share of belief in [0, 1]. */
  confidence: number;
  statement: string;
  /** Ids of evidence items in the same report. */
  evidence: string[];
}

export interface StepExecuted {
  collector: EvidenceSource;
  query: string;
  status: "ok" | "failed" | "timed-out" | "skipped";
  items: number;
  ms: number;
  /** Why it failed or was skipped (never a secret: collectors report their own errors scrubbed). */
  note: string | null;
}

export interface RecommendedAction {
  /** `code-change`: a file and function an error names, which a recent deploy of its service changed. */
  kind: "runbook" | "rollback" | "past-resolution" | "code-change";
  text: string;
  link: string | null;
  evidence: string[];
}

export interface InvestigationReport {
  incidentId: string;
  incidentKey: string;
  /** 1 for the first report of the incident; set by the store. */
  version: number;
  trigger: InvestigationTrigger;
  startedAt: number;
  finishedAt: number;
  outcome: InvestigationOutcome;
  /** Why no hypothesis is asserted (no-evidence, not-decisive), or what failed. */
  reason: string | null;
  /** Best first; the first is asserted only when the outcome is "hypothesis". */
  hypotheses: ReportHypothesis[];
  evidence: EvidenceItem[];
  steps: StepExecuted[];
  actions: RecommendedAction[];
  /** The root-cause field tickets carry: the asserted component and why, or null when abstaining. */
  rootCause: string | null;
  /**
   * The LLM's narrative when one is configured: its text and the hypotheses it stated, each citing evidence of
   * this report (uncited ones are dropped). It never changes the hypotheses above, their order or the outcome.
   */
  narrative?: ReportNarrative | null;
}

export interface ReportNarrative {
  model: string;
  text: string;
  hypotheses: { component: string; statement: string; evidence: string[] }[];
}

/**
 * What an investigation delivery carries to a ticket: the report to render in the platform's own form, and
 * the version it supersedes in that ticket (null for the first). Stored with the outbox row (migration 0017),
 * so every retry renders the same report.
 */
export interface InvestigationDelivery {
  report: InvestigationReport;
  supersedes: number | null;
}

function percentOf(share: number): string {
  return `${Math.round(share * 100)}%`;
}

/** The report's headline: its hypothesis, or why it asserts none (the candidates, for a person to judge). */
export function reportHeadline(report: InvestigationReport): string {
  const top = report.hypotheses[0];
  if (report.outcome === "hypothesis" && top) return `Hypothesis: ${top.statement}`;
  if (report.outcome === "failed") return `The investigation failed: ${report.reason ?? "unknown error"}.`;
  const why =
    report.outcome === "out-of-budget"
      ? "its budget ran out before the evidence was decisive"
      : report.reason === "no-evidence"
        ? "no evidence points at any component"
        : "the evidence is not decisive";
  const candidates = report.hypotheses
    .slice(0, 3)
    .map((h) => `${h.component} ${percentOf(h.confidence)}`)
    .join(", ");
  return `No hypothesis: ${why}.${candidates ? ` Candidates: ${candidates}.` : ""}`;
}
