import type { Incident } from "../core/incident.ts";
import type {
  EvidenceItem,
  InvestigationReport,
  InvestigationTrigger,
  RecommendedAction,
  ReportHypothesis,
  StepExecuted,
} from "../core/investigation.ts";
import type { ServiceGraph } from "../core/trace.ts";
import { analyze } from "./analysis/analyze.ts";
import { CallGraph } from "./analysis/call-graph.ts";
import type { AnalysisSettings } from "./analysis/settings.ts";
import type { ExtraEvidence, Hypothesis, MetricEvidence, WorkloadCondition } from "./analysis/types.ts";
import type { InvestigationReads } from "./batch-reads.ts";
import { type Budget, type Collected, type Collector, clip, type InvestigationQuery } from "./collectors/collector.ts";
import type { LlmNarrator, NarratorTools } from "./llm/llm-narrator.ts";
import { neighbourhood } from "./neighbourhood.ts";

/** How far one investigation may go. */
export interface InvestigationBudget {
  /** Collector calls plus metric queries. */
  maxSteps: number;
  /** Wall time of the whole investigation (ms). */
  timeout: number;
  /** Wall time of one collector (ms). */
  collectorTimeout: number;
}

export interface InvestigationDeps {
  collectors: readonly Collector[];
  graph(incident: Incident, since: number): Promise<ServiceGraph>;
  catalog: { dependenciesOf(service: string): string[]; dependentsOf(service: string): string[] };
  /** The runbook of a service, from the catalog. */
  runbook(service: string): string | null;
  settings: AnalysisSettings;
  budget: InvestigationBudget;
  /** Evidence window before onset, and the normal window before that (ms). */
  window: number;
  baseline: number;
  /** Sampling resolution of the metric evidence (ms): departures closer than this are simultaneous. */
  resolution?: number;
  /** Store reads shared by the collectors and the investigations of one batch (absent: each reads the store). */
  batchReads?(incidents: readonly Incident[]): InvestigationReads;
  /** The optional LLM narrative (`llm` configured and `investigation.llm.enabled`). */
  narrator?: Pick<LlmNarrator, "narrate"> | null;
  now(): number;
}

class StepBudget implements Budget {
  private used = 0;
  exhausted = false;
  constructor(
    private readonly max: number,
    readonly signal: AbortSignal,
  ) {}
  take(): boolean {
    if (this.signal.aborted || this.used >= this.max) {
      this.exhausted = true;
      return false;
    }
    this.used++;
    return true;
  }
}

/** A promise that rejects when the signal aborts: one per investigation, raced by each of its collectors. */
function wallTime(signal: AbortSignal): { promise: Promise<never>; cancel(): void } {
  let onAbort = () => {};
  const promise = new Promise<never>((_, reject) => {
    onAbort = () => reject(new Error("the investigation's wall time ran out"));
    signal.addEventListener("abort", onAbort, { once: true });
  });
  promise.catch(() => {});
  return { promise, cancel: () => signal.removeEventListener("abort", onAbort) };
}

/** A promise that rejects when `ms` pass. */
function deadline(ms: number): { promise: Promise<never>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  promise.catch(() => {});
  return { promise, cancel: () => clearTimeout(timer) };
}

/**
 * One investigation of one incident: reads the neighbourhood, runs every collector within the budget
 * (a failing or slow collector is recorded as a step and the rest go on), hands their evidence to the
 * deterministic analysis and writes the report. It only reads; writing the report is the caller's.
 */
export async function runInvestigation(
  incident: Incident,
  trigger: InvestigationTrigger,
  deps: InvestigationDeps,
  reads?: InvestigationReads,
): Promise<Omit<InvestigationReport, "version">> {
  const startedAt = deps.now();
  const controller = new AbortController();
  const wall = setTimeout(() => controller.abort(), deps.budget.timeout);
  const wallOut = wallTime(controller.signal);
  try {
    const onsetAt = incident.firstSeenAt;
    const from = onsetAt - deps.window;
    const graph = await deps.graph(incident, from);
    const near = neighbourhood(incident.service, graph, deps.catalog);
    const query: InvestigationQuery = {
      incident,
      onsetAt,
      from,
      to: Math.max(startedAt, incident.lastSeenAt),
      baselineFrom: from - deps.baseline,
      services: near.services,
      edges: near.edges,
      graph,
      ...(reads ? { reads } : {}),
    };
    const budget = new StepBudget(deps.budget.maxSteps, controller.signal);
    const steps: StepExecuted[] = [];
    const found: Collected[] = [];
    // In order, so the step budget goes to the cheap store reads first and to metric queries last.
    for (const collector of deps.collectors) {
      const text = collector.describe(query);
      const started = deps.now();
      if (!budget.take()) {
        steps.push({ collector: collector.source, query: text, status: "skipped", items: 0, ms: 0, note: "out of budget" });
        continue;
      }
      const limit = deadline(deps.budget.collectorTimeout);
      try {
        const collected = await Promise.race([collector.collect(query, budget), limit.promise, wallOut.promise]);
        found.push(collected);
        steps.push({
          collector: collector.source,
          query: text,
          status: "ok",
          items: collected.items.length,
          ms: deps.now() - started,
          note: null,
        });
        steps.push(...collected.steps);
      } catch (error) {
        const timedOut = controller.signal.aborted || (error instanceof Error && error.message.startsWith("no answer within"));
        steps.push({
          collector: collector.source,
          query: text,
          status: timedOut ? "timed-out" : "failed",
          items: 0,
          ms: deps.now() - started,
          note: clip(error instanceof Error ? error.message : String(error), 200),
        });
      } finally {
        limit.cancel();
      }
    }
    const evidence: EvidenceItem[] = found.flatMap((c) => c.items);
    const metrics: MetricEvidence[] = found.flatMap((c) => c.metrics);
    const extra: ExtraEvidence[] = found.flatMap((c) => c.extra);
    const result = analyze(
      {
        graph: new CallGraph(near.edges),
        symptom: incident.service,
        onsetAt,
        metrics,
        extra,
        resolution: deps.resolution ?? 0,
      },
      deps.settings,
    );
    const byId = new Map(evidence.map((item) => [item.id, item]));
    const hypotheses = result.hypotheses.slice(0, 5).map((h) => hypothesis(h, byId, extra));
    const asserted = !result.abstained ? hypotheses[0] : undefined;
    const outOfBudget = budget.exhausted || steps.some((s) => s.status === "timed-out");
    const outcome = asserted ? "hypothesis" : outOfBudget ? "out-of-budget" : "abstained";
    const report: Omit<InvestigationReport, "version"> = {
      incidentId: incident.id,
      incidentKey: incident.key,
      trigger,
      startedAt,
      finishedAt: deps.now(),
      outcome,
      reason: asserted ? null : (result.reason ?? null),
      hypotheses,
      evidence,
      steps,
      actions: actions(incident, found, hypotheses, asserted, deps.runbook),
      rootCause: asserted ? `${asserted.component} — ${asserted.statement}` : null,
    };
    if (!deps.narrator) return report;
    // The model reads the finished analysis and may look further; what it writes is kept apart from it.
    const prober = deps.collectors.find((c) => c.probe);
    const tools: NarratorTools = prober?.probe
      ? {
          queryMetrics: (promql, id, signal) =>
            prober.probe?.(promql, query, id, signal) ?? Promise.reject(new Error("no metrics")),
        }
      : {};
    const narrated = await deps.narrator.narrate(incident, report, tools, controller.signal);
    return {
      ...report,
      evidence: [...report.evidence, ...narrated.evidence],
      steps: [...report.steps, ...narrated.steps],
      narrative: narrated.narrative,
      finishedAt: deps.now(),
    };
  } finally {
    clearTimeout(wall);
    wallOut.cancel();
  }
}

/** The cause a workload condition points to, as a hypothesis states it. */
const WORKLOAD_CAUSE: Record<WorkloadCondition, string> = {
  "oom-killed": "memory exhausted (containers OOMKilled)",
  restarts: "crashing (containers restarting)",
  pending: "out of capacity (pods Pending, unschedulable)",
  "not-ready": "pods not ready",
};

function hypothesis(h: Hypothesis, byId: Map<string, EvidenceItem>, extra: readonly ExtraEvidence[]): ReportHypothesis {
  const cited = new Set(h.evidence);
  // The Kubernetes evidence says what kind of failure it is; the first condition in WORKLOAD_CAUSE's order wins.
  const conditions = new Set(extra.flatMap((e) => (e.kind === "workload" && cited.has(e.id) ? [e.condition] : [])));
  const condition = (Object.keys(WORKLOAD_CAUSE) as WorkloadCondition[]).find((c) => conditions.has(c));
  const cause = condition ? `, ${WORKLOAD_CAUSE[condition]}` : "";
  const reasons = h.evidence
    .slice(0, 3)
    .map((id) => byId.get(id)?.summary)
    .filter((s): s is string => Boolean(s));
  const confidence = Math.round(h.confidence * 100);
  return {
    component: h.node,
    confidence: h.confidence,
    statement: clip(`${h.node} is the likely root cause (confidence ${confidence}%)${cause}: ${reasons.join("; ")}`, 400),
    evidence: [...h.evidence],
  };
}

/**
 * Runbooks first (the asserted component's, else the incident service's), then rollbacks of changes the
 * leading hypotheses cite (or, without a hypothesis, every rollback found: a person decides), then how
 * similar incidents were resolved.
 */
function actions(
  incident: Incident,
  found: readonly Collected[],
  hypotheses: readonly ReportHypothesis[],
  asserted: ReportHypothesis | undefined,
  runbook: (service: string) => string | null,
): RecommendedAction[] {
  const out: RecommendedAction[] = [];
  const services = [...new Set([asserted?.component, incident.service].filter((s): s is string => Boolean(s)))];
  for (const service of services) {
    const url = runbook(service) ?? (service === incident.service ? (incident.context.owner?.runbookUrl ?? null) : null);
    if (url) out.push({ kind: "runbook", text: `Follow the runbook of ${service}`, link: url, evidence: [] });
  }
  const all = found.flatMap((c) => c.actions);
  // The runbook's own remediation steps, as it words them.
  out.push(...all.filter((a) => a.kind === "runbook").slice(0, 5));
  const cited = new Set(hypotheses.slice(0, asserted ? 1 : 3).flatMap((h) => h.evidence));
  const rollbacks = all.filter((a) => a.kind === "rollback");
  const suspect = rollbacks.filter((a) => a.evidence.some((id) => cited.has(id)));
  out.push(...(suspect.length > 0 ? suspect : asserted ? [] : rollbacks).slice(0, 3));
  // Code an error names that the deploy before it changed: those about cited evidence first.
  const code = all.filter((a) => a.kind === "code-change");
  const citing = (a: RecommendedAction) => Number(a.evidence.some((id) => cited.has(id)));
  out.push(...[...code].sort((a, b) => citing(b) - citing(a)).slice(0, 3));
  out.push(...all.filter((a) => a.kind === "past-resolution").slice(0, 2));
  return out;
}
