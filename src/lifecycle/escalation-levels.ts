import type { EscalationOrder } from "../connectors/connector.ts";
import type { Incident } from "../core/incident.ts";
import { type Matcher, type MatchFacts, matches } from "../core/matcher.ts";

/** One level of a policy: the platforms it reaches, directly and through the owning team's catalog destinations. */
export interface EscalationLevel {
  platforms: readonly string[];
  team: readonly string[];
  /** What the level changes on the incident's Jira issue and ServiceNow record. */
  jira?: { assignee?: string | undefined; priority?: string | undefined } | undefined;
  servicenow?: { group?: string | undefined; impact?: number | undefined; urgency?: number | undefined } | undefined;
}

/** Platforms whose ticket a level reassigns or re-prioritises through the level's own key. */
const ORDER_PLATFORMS = ["jira", "servicenow"] as const;

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
  /** Reassignments the level makes, for the timeline: e.g. "jira assignee 5b10…", "servicenow group Network". */
  reassigned: string[];
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
    return {
      policy: policy.name,
      level,
      platforms,
      team: viaTeam.length ? (incident.context.owner?.team ?? null) : null,
      // Only for platforms the incident is on once the level is taken: others have nothing to reassign.
      reassigned: reassignments(step, new Set([...incident.platforms, ...platforms])),
    };
  };
}

function reassignments(step: EscalationLevel, on: ReadonlySet<string>): string[] {
  const out: string[] = [];
  if (!on.has("jira")) return servicenowChanges(step, on, out);
  if (step.jira?.assignee) out.push(`jira assignee ${step.jira.assignee}`);
  if (step.jira?.priority) out.push(`jira priority ${step.jira.priority}`);
  return servicenowChanges(step, on, out);
}

function servicenowChanges(step: EscalationLevel, on: ReadonlySet<string>, out: string[]): string[] {
  if (!on.has("servicenow")) return out;
  if (step.servicenow?.group) out.push(`servicenow group ${step.servicenow.group}`);
  if (step.servicenow?.impact !== undefined) out.push(`servicenow impact ${step.servicenow.impact}`);
  if (step.servicenow?.urgency !== undefined) out.push(`servicenow urgency ${step.servicenow.urgency}`);
  return out;
}

/** Answers what the level an incident now holds asks of `platform` on escalate; undefined: nothing. */
export type EscalationOrders = (incident: Incident, platform: string) => EscalationOrder | undefined;

/**
 * The level the incident took, as an order for one platform. Read from the incident's own level, so every
 * retry of the same escalate delivery (which carries the frozen incident) gets the same order.
 */
export function escalationOrders(policies: readonly EscalationPolicy[]): EscalationOrders {
  return (incident, platform) => {
    if (!(ORDER_PLATFORMS as readonly string[]).includes(platform) || incident.escalationLevel < 1) return undefined;
    const policy = policyFor(incidentFacts(incident), policies);
    const step = policy?.levels?.[incident.escalationLevel - 1];
    if (!policy || !step) return undefined;
    const base = { policy: policy.name, level: incident.escalationLevel };
    if (platform === "jira" && step.jira) return { ...base, ...defined(step.jira) };
    if (platform === "servicenow" && step.servicenow) return { ...base, ...defined(step.servicenow) };
    return undefined;
  };
}

// exactOptionalPropertyTypes: keys a level leaves out stay absent rather than undefined.
function defined<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as never;
}

/** What escalation policies match on for a stored incident: its fields plus the owner the catalog gave it. */
export function incidentFacts(incident: Incident): MatchFacts {
  const owner = incident.context.owner;
  return { ...incident, labels: {}, team: owner?.team, tier: owner?.tier ?? undefined };
}
