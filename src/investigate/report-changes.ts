import type { InvestigationReport } from "../core/investigation.ts";

/** How many earlier versions are read back to find the one the tickets hold (a run of unchanged versions). */
const MAX_LOOKBACK = 20;

// Measured values (a departure's size, a count of traces, a confidence) move with every run while an incident
// lasts; a ticket comment for each tick of a number would bury the ones that say something new.
function masked(text: string): string {
  return text.replace(/\d+(?:[.,]\d+)*/g, "#");
}

/**
 * What a reader of the ticket acts on, without the figures that move from run to run: the outcome, the
 * hypotheses (component, statement, cited ids), the evidence (source, query, link, summary), the actions and the
 * root cause. Two versions with the same content say the same thing; the second is not sent to tickets.
 * Timings, the trigger, steps' durations and the LLM's narrative (worded anew each time) do not count.
 */
export function reportContent(report: Omit<InvestigationReport, "version">): string {
  return JSON.stringify({
    outcome: report.outcome,
    reason: report.reason === null ? null : masked(report.reason),
    hypotheses: report.hypotheses.map((h) => [h.component, masked(h.statement), [...h.evidence].sort()]),
    evidence: report.evidence.map((e) => [e.id, e.source, e.query, e.link, masked(e.summary)].join("\u0000")).sort(),
    actions: report.actions.map((a) => [a.kind, a.text, a.link]),
    rootCause: report.rootCause === null ? null : masked(report.rootCause),
  });
}

/** True when a later version says something its predecessor did not. */
export function addsSomething(
  previous: Omit<InvestigationReport, "version">,
  next: Omit<InvestigationReport, "version">,
): boolean {
  return reportContent(previous) !== reportContent(next);
}

/**
 * The version the incident's tickets last received before `version`: versions are sent when they add
 * something to the one before, so it is the newest earlier version that differs from its own predecessor
 * (or version 1). Null when `version` is the first.
 */
export async function lastSentVersion(
  read: (version: number) => Promise<InvestigationReport | null>,
  version: number,
): Promise<number | null> {
  if (version <= 1) return null;
  let candidate = version - 1;
  let report = await read(candidate);
  for (let steps = 0; candidate > 1 && report && steps < MAX_LOOKBACK; steps++) {
    const before = await read(candidate - 1);
    if (!before || addsSomething(before, report)) return candidate;
    candidate -= 1;
    report = before;
  }
  return candidate;
}
