import type { Severity } from "../../core/signal.ts";
import { type Matcher, type MatchFacts, matches } from "../matcher.ts";

export interface RoutingRule {
  name: string;
  match: Matcher;
  platforms: string[];
}

export interface RoutingTable {
  bySeverity: Partial<Record<Severity, string[]>>;
  rules: readonly RoutingRule[];
}

export interface RouteDecision {
  /** Platforms that will get deliveries. */
  platforms: string[];
  /** What chose them: "rule:<name>" or "severity:<level>". */
  rule: string;
  /** Platforms the rule named that cannot be delivered to (not enabled, no connector). */
  unavailable: string[];
}

/** First matching rule wins; otherwise the severity's list. */
export function route(facts: MatchFacts, table: RoutingTable, available: (platform: string) => boolean): RouteDecision {
  const rule = table.rules.find((candidate) => matches(candidate.match, facts));
  const named = rule ? rule.platforms : (table.bySeverity[facts.severity] ?? []);
  const unique = [...new Set(named)];
  return {
    platforms: unique.filter(available),
    rule: rule ? `rule:${rule.name}` : `severity:${facts.severity}`,
    unavailable: unique.filter((platform) => !available(platform)),
  };
}
