import type { PlaybookStats } from "../../core/remediation.ts";

/** M10 automation success: of the remediation runs that concluded (verified or failed), the share that healed. */
export interface AutomationSuccess {
  ratio: number | null;
  succeeded: number;
  concluded: number;
  /** Runs whose action executed, concluded or not. */
  runs: number;
}

export function automationSuccess(playbooks: readonly PlaybookStats[]): AutomationSuccess {
  let succeeded = 0;
  let concluded = 0;
  let runs = 0;
  for (const p of playbooks) {
    succeeded += p.succeeded;
    concluded += p.verified + p.failed;
    runs += p.runs;
  }
  return { ratio: concluded > 0 ? succeeded / concluded : null, succeeded, concluded, runs };
}
