import { once } from "node:events";
import type { Writable } from "node:stream";
import { DEFAULT_ANALYSIS_SETTINGS } from "../investigate/analysis/settings.ts";
import { analyzeIssues, type IssueVerdict, loadIssues } from "../investigate/petshop/petshop-rca.ts";
import { readScenario } from "../investigate/petshop/read-scenario.ts";
import { printError } from "./print-problems.ts";

/** Options of `sluice rca`. */
export interface RcaOptions {
  /** One JSON object per line instead of the table. */
  json?: boolean;
}

const percent = (x: number | null) => (x === null ? "—" : `${Math.round(x * 100)}%`);

function line(verdict: IssueVerdict, json: boolean): string {
  if (json) {
    return `${JSON.stringify({
      issue: verdict.issue,
      ranking: verdict.ranking,
      abstained: verdict.abstained,
      confidence: verdict.confidence,
    })}\n`;
  }
  const { hypotheses, reason } = verdict.result;
  const top = hypotheses
    .slice(0, 3)
    .map((h, i) => `${i + 1}. ${h.node} (${percent(h.confidence)})`)
    .join("  ");
  const head = verdict.abstained ? `abstains (${reason === "no-evidence" ? "no evidence" : "not decisive"})` : "hypothesis";
  return `${verdict.issue.padEnd(16)} ${head.padEnd(28)} ${top || "no candidate"}\n`;
}

/**
 * `sluice rca DIR [--json]`: runs the investigation's root-cause ranking on a PetShop-format directory
 * (graph.csv, noissue/metrics.csv, test|train/issue_N/{metrics.csv,target.json}) and prints one verdict per
 * issue. It reads each issue's `target` only, never its `root_cause`.
 */
export async function rcaCommand(dir: string, options: RcaOptions, io: { stdout?: Writable } = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  try {
    const scenario = readScenario(dir);
    const verdicts = analyzeIssues(scenario, loadIssues(scenario), DEFAULT_ANALYSIS_SETTINGS);
    let out = "";
    for (const verdict of verdicts) out += line(verdict, options.json ?? false);
    if (!options.json) {
      const asserted = verdicts.filter((v) => !v.abstained).length;
      out += `${verdicts.length} issues: ${asserted} with a hypothesis, ${verdicts.length - asserted} abstained\n`;
    }
    if (!stdout.write(out)) await once(stdout, "drain");
    return 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EPIPE") return 0;
    printError(error);
    return 1;
  }
}
