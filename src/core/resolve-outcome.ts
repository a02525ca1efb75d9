/**
 * How an incident ended, as people say it: given with a resolve through the API, or mapped from the
 * platform's resolution or close code when the resolve arrives through sync. The ticketing SLIs (ticket
 * accuracy, false-positive and duplicate rates) are computed from it; an incident without one is left out
 * of their denominators rather than guessed.
 */
export const RESOLVE_OUTCOMES = ["fixed", "false_positive", "duplicate", "auto_resolved", "not_actionable"] as const;
export type ResolveOutcome = (typeof RESOLVE_OUTCOMES)[number];

/** The timeline's action for an outcome entry; its detail is the outcome, its rule says where it came from. */
export const OUTCOME_ACTION = "outcome";

/**
 * Platform resolution / close codes and what they mean, checked case-insensitively after the configured
 * map (`sli.outcomes.<platform>`). Jira's default resolutions and ServiceNow's default close codes.
 */
export const DEFAULT_PLATFORM_OUTCOMES: Readonly<Record<string, Readonly<Record<string, ResolveOutcome>>>> = {
  jira: {
    Done: "fixed",
    Fixed: "fixed",
    Duplicate: "duplicate",
    "Won't Do": "false_positive",
    "Won't Fix": "not_actionable",
    "Cannot Reproduce": "false_positive",
    Declined: "false_positive",
  },
  servicenow: {
    "Solved (Permanently)": "fixed",
    "Solved (Work Around)": "fixed",
    "Solved Remotely (Permanently)": "fixed",
    "Solved Remotely (Work Around)": "fixed",
    "Not Solved (Not Reproducible)": "false_positive",
    "Not Solved (Too Costly)": "not_actionable",
    "Closed/Resolved by Caller": "fixed",
    Duplicate: "duplicate",
  },
};

/** The outcome a platform's code means: the configured map first, then the defaults; null when neither names it. */
export function outcomeOfCode(
  platform: string,
  code: string,
  configured: Readonly<Record<string, Readonly<Record<string, ResolveOutcome>>>>,
): ResolveOutcome | null {
  const wanted = code.trim().toLowerCase();
  for (const map of [configured[platform], DEFAULT_PLATFORM_OUTCOMES[platform]]) {
    if (!map) continue;
    const found = Object.entries(map).find(([name]) => name.toLowerCase() === wanted);
    if (found) return found[1];
  }
  return null;
}
