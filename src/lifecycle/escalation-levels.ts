import type { Incident } from "../core/incident.ts";
import { type Matcher, type MatchFacts, matches } from "../core/matcher.ts";

/** One level of a policy: the platforms it reaches, directly and through the owning team's catalog destinations. */
export interface EscalationLevel {
  platforms: readonly string[];
  team: readonly string[];
}

export interface EscalationPolicy {
  name: string;
  match: Matcher;
  after: number;
  repeat: number;
  /** Escalation n applies levels[n-1]; none: escalations re-notify the incident's tickets only. */
  levels?: readonly EscalationLevel[];
}

/** The first policy matching an incident's facts; none means it never escalates by itself. */
export function policyFor(facts: MatchFacts, policies: readonly EscalationPolicy[]): EscalationPolicy | undefined {
  return policies.find((policy) => matches(policy.match, facts));
}

/** What escalating an incident to a level adds: the platforms, and the policy and team that put them there. */
export interface EscalationReach {
  policy: string;
  level: number;
  platforms: string[];
  /** The owning team, when its catalog destinations added platforms. */
  team: string | null;
}

/** Answers, for an incident about to take escalation `level`, what that level reaches; null: nothing new. */
export type EscalationTargets = (incident: Incident, level: number) => EscalationReach | null;

/**
 * The levels of the incident's policy as targets. A team platform counts only when the owner's catalog
 * entry names a destination there (the team's Opsgenie, its PagerDuty service); platforms that are not
 * enabled are left out (the config loader warned about them).
 */
export function escalationTargets(policies: readonly EscalationPolicy[], enabled: ReadonlySet<string>): EscalationTargets {
  return (incident, level) => {
    const policy = policyFor(incidentFacts(incident), policies);
    const step = policy?.levels?.[level - 1];
    if (!policy || !step) return null;
    const destinations = incident.context.destinations ?? {};
    const viaTeam = step.team.filter((platform) => destinations[platform] !== undefined);
    const platforms = [...new Set([...step.platforms, ...viaTeam])].filter((platform) => enabled.has(platform));
    return { policy: policy.name, level, platforms, team: viaTeam.length ? (incident.context.owner?.team ?? null) : null };
  };
}

/** What escalation policies match on for a stored incident: its fields plus the owner the catalog gave it. */
export function incidentFacts(incident: Incident): MatchFacts {
  const owner = incident.context.owner;
  return { ...incident, labels: {}, team: owner?.team, tier: owner?.tier ?? undefined };
}
