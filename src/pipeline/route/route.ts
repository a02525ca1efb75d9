import { type Matcher, type MatchFacts, matches } from "../../core/matcher.ts";
import type { Severity } from "../../core/signal.ts";

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

/** The owner of a service as the service catalog knows it. */
export interface RouteOwner {
  team: string;
  tier: string | null;
}

/**
 * First matching rule wins; otherwise the severity's list. With `ownerOf`, the catalog's owner of
 * the service supplies the team and tier that rules match on (over a `team` label), and the
 * recorded rule says so when ownership decided it.
 */
export function route(
  facts: MatchFacts,
  table: RoutingTable,
  available: (platform: string) => boolean,
  ownerOf?: (service: string) => RouteOwner | undefined,
): RouteDecision {
  const owner = ownerOf?.(facts.service);
  const seen: MatchFacts = owner ? { ...facts, team: owner.team, tier: owner.tier ?? undefined } : facts;
  const rule = table.rules.find((candidate) => matches(candidate.match, seen));
  const named = rule ? rule.platforms : (table.bySeverity[facts.severity] ?? []);
  const unique = [...new Set(named)];
  const byOwner = owner && rule && (rule.match.team !== undefined || rule.match.tier !== undefined);
  return {
    platforms: unique.filter(available),
    rule: rule
      ? `rule:${rule.name}${byOwner ? ` (owner: team ${owner.team}${owner.tier ? `, tier ${owner.tier}` : ""}, from the service catalog)` : ""}`
      : `severity:${facts.severity}`,
    unavailable: unique.filter((platform) => !available(platform)),
  };
}
