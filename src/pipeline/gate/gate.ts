import { type Matcher, matches } from "../../core/matcher.ts";
import type { Signal } from "../../core/signal.ts";

export interface MaintenanceWindow {
  name: string;
  match: Matcher;
  start: string;
  end: string;
}

export interface GateRules {
  minimumScore: number;
  /** A signal's own minimum score when one applies (a detection rule's `minimumScore`), else undefined. */
  minimumScoreFor?(signal: Signal): number | undefined;
  maintenance: readonly MaintenanceWindow[];
  /** Deploy-aware suppression (src/changes): why a signal falls in a window after its service's deploy, else null. */
  afterDeploy?(signal: Signal): string | null;
}

export type GateVerdict = { pass: true } | { pass: false; outcome: "gated" | "suppressed"; reason: string };

const PASS: GateVerdict = { pass: true };

/**
 * Decides whether a signal may open or join incidents. Resolves always pass: they only ever close
 * what is open. Windows are judged at the signal's own time, so replays behave as live runs did.
 */
export function gate(signal: Signal, rules: GateRules): GateVerdict {
  if (signal.status === "resolved") return PASS;
  const minimumScore = rules.minimumScoreFor?.(signal) ?? rules.minimumScore;
  if (signal.score !== null && signal.score < minimumScore) {
    return { pass: false, outcome: "gated", reason: `score ${signal.score} below minimumScore ${minimumScore}` };
  }
  for (const window of rules.maintenance) {
    if (signal.occurredAt < Date.parse(window.start) || signal.occurredAt >= Date.parse(window.end)) continue;
    if (matches(window.match, signal)) {
      return { pass: false, outcome: "suppressed", reason: `maintenance window "${window.name}"` };
    }
  }
  const deploy = rules.afterDeploy?.(signal);
  if (deploy) return { pass: false, outcome: "suppressed", reason: deploy };
  return PASS;
}
