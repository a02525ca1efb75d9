import { analyze } from "../analysis/analyze.ts";
import { CallGraph } from "../analysis/call-graph.ts";
import type { AnalysisSettings } from "../analysis/settings.ts";
import type { AnalysisResult } from "../analysis/types.ts";
import { issueInput, NormalBaselines, rowStep } from "./issue-input.ts";
import type { MetricsTable } from "./metrics-csv.ts";
import { petshopNodeKind } from "./node-kind.ts";
import { type PetshopIssue, type PetshopScenario, type PetshopTarget, readIssueMetrics, readTarget } from "./read-scenario.ts";

/** An issue's symptom and incident window, read from its folder. */
export interface LoadedIssue {
  readonly issue: PetshopIssue;
  readonly target: PetshopTarget;
  readonly table: MetricsTable;
}

/** What `sluice rca` says about one issue. */
export interface IssueVerdict {
  readonly issue: string;
  /** Candidate nodes, most likely root cause first. */
  readonly ranking: readonly string[];
  readonly abstained: boolean;
  /** The top candidate's share of belief; null without candidates. */
  readonly confidence: number | null;
  readonly result: AnalysisResult;
}

// PetShop records five-minute periods; used only when an issue has a single row.
const DEFAULT_STEP = 300_000;

/** Reads every issue's target (never its root cause) and metrics. */
export function loadIssues(scenario: PetshopScenario): LoadedIssue[] {
  return scenario.issues.map((issue) => ({ issue, target: readTarget(issue), table: readIssueMetrics(issue) }));
}

/** The call graph of a scenario, each node's kind from its X-Ray name. */
export function scenarioGraph(scenario: PetshopScenario): CallGraph {
  return new CallGraph(
    scenario.graph.edges,
    scenario.graph.nodes.map((node) => [node, petshopNodeKind(node)] as const),
  );
}

/**
 * Runs the analysis on every loaded issue with one configuration. Pure: no file is read here. A caller that
 * runs many configurations may pass the graph and baselines (which depend only on the baseline knobs) to reuse.
 */
export function analyzeIssues(
  scenario: PetshopScenario,
  issues: readonly LoadedIssue[],
  settings: AnalysisSettings,
  reuse: { readonly graph?: CallGraph; readonly baselines?: NormalBaselines } = {},
): IssueVerdict[] {
  const graph = reuse.graph ?? scenarioGraph(scenario);
  const baselines = reuse.baselines ?? new NormalBaselines(scenario.normal, settings);
  const fallbackStep = rowStep(scenario.normal) ?? DEFAULT_STEP;
  return issues.map(({ issue, target, table }) => {
    const result = analyze(
      issueInput(graph, baselines, table, target, { threshold: settings.threshold, fallbackStep }),
      settings,
    );
    return {
      issue: issue.name,
      ranking: result.hypotheses.map((h) => h.node),
      abstained: result.abstained,
      confidence: result.hypotheses[0]?.confidence ?? null,
      result,
    };
  });
}
