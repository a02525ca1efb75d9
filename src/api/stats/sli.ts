import type { IncidentContext } from "../../core/enrichment.ts";
import type { SliFacts, SliIncident } from "../../core/ports/sli-reads.ts";
import { OUTCOME_ACTION, RESOLVE_OUTCOMES, type ResolveOutcome } from "../../core/resolve-outcome.ts";
import type { Severity } from "../../core/signal.ts";
import { MERGE_ACTOR, type NewTimelineEvent } from "../../core/timeline.ts";

/** What the SLIs' definitions leave to configuration (`sli`). */
export interface SliOptions {
  /** A first signal stamped further than this after its arrival is from the future (ms). */
  futureTolerance: number;
  /** A first signal older than this at its arrival is too old (ms). */
  maxEventAge: number;
  /** M9: the context parts a ticket needs to count as enriched. */
  requiredContext: readonly ("owner" | "runbook" | "changes" | "trace" | "affectedUsers" | "similar")[];
}

/** Seconds, summarised: nearest-rank percentiles (the smallest value with at least q of them at or below it). */
export interface Distribution {
  count: number;
  sum: number;
  mean: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
}

export interface SliReport {
  /** Incidents created in the range: the denominator of M3 and M8. */
  created: number;
  m1TicketCreation: {
    byPlatformAndSeverity: ({ platform: string; severity: Severity } & Distribution)[];
    all: Distribution;
    /** Incidents whose first signal's own timestamp is not believable, left out of M1. */
    clockSkew: { future: number; tooOld: number };
  };
  m2TicketAccuracy: { ratio: number | null; accurate: number; withOutcome: number };
  m3DuplicateRate: { ratio: number | null; duplicates: number; merged: number; closedAsDuplicate: number };
  m4FalsePositiveRate: { ratio: number | null; falsePositives: number; withOutcome: number };
  m5TimeToAssign: Distribution & { reassignments: number; reassignedIncidents: number; reassignedRatio: number | null };
  m6TimeToAcknowledge: Distribution;
  m7TimeToResolve: Distribution;
  m8EscalationRate: { ratio: number | null; escalated: number };
  m9EnrichmentSuccess: { ratio: number | null; enriched: number; ticketed: number; required: readonly string[] };
  /** Resolved incidents by how they ended (explicit, mapped from a platform, or implied); the input of M2–M4. */
  outcomes: Record<ResolveOutcome, number>;
}

const ASSIGNED = /^assigned to (.+?) in (\S+)/;

/** The ticketing SLIs (docs/metrics.md, "Ticketing SLIs") of the incidents in `facts`. */
export function computeSlis(facts: SliFacts, options: SliOptions): SliReport {
  const ticketsOf = groupBy(facts.tickets, (t) => t.incidentId);
  const timelineOf = groupBy(facts.timeline, (e) => e.incidentId);
  const m1 = new Map<string, { platform: string; severity: Severity; values: number[] }>();
  const m1All: number[] = [];
  const clockSkew = { future: 0, tooOld: 0 };
  const assign: number[] = [];
  const acknowledge: number[] = [];
  const resolve: number[] = [];
  const outcomes = Object.fromEntries(RESOLVE_OUTCOMES.map((o) => [o, 0])) as Record<ResolveOutcome, number>;
  let merged = 0;
  let closedAsDuplicate = 0;
  let reassignments = 0;
  let reassignedIncidents = 0;
  let escalated = 0;
  let ticketed = 0;
  let enriched = 0;

  for (const incident of facts.incidents) {
    const tickets = ticketsOf.get(incident.id) ?? [];
    const timeline = timelineOf.get(incident.id) ?? [];
    const firstTicket = tickets.length ? Math.min(...tickets.map((t) => t.createdAt)) : null;

    // M1: from the first signal's own timestamp to each platform confirming its ticket, unless the timestamp is skewed.
    const skew = skewOf(incident, options);
    if (skew) clockSkew[skew]++;
    else {
      for (const ticket of tickets) {
        const seconds = seconds_(ticket.createdAt - incident.firstSeenAt);
        const key = `${ticket.platform}\u0000${incident.severity}`;
        const group = m1.get(key) ?? { platform: ticket.platform, severity: incident.severity, values: [] };
        group.values.push(seconds);
        m1.set(key, group);
        m1All.push(seconds);
      }
    }

    if (firstTicket !== null) {
      ticketed++;
      if (hasContext(incident.context, options.requiredContext)) enriched++;
      // M5: the first assignment on a platform, and the reassignments after it.
      const assignees = assignmentsOf(timeline);
      const first = assignees[0];
      if (first) {
        assign.push(seconds_(first.at - firstTicket));
        let changes = 0;
        for (let i = 1; i < assignees.length; i++) if (assignees[i]?.who !== assignees[i - 1]?.who) changes++;
        reassignments += changes;
        if (changes > 0) reassignedIncidents++;
      }
      if (incident.acknowledgedAt !== null) acknowledge.push(seconds_(incident.acknowledgedAt - firstTicket));
      if (incident.state === "resolved" && incident.resolvedAt !== null)
        resolve.push(seconds_(incident.resolvedAt - firstTicket));
    }

    if (incident.escalationLevel > 0 || timeline.some((e) => e.action === "escalated")) escalated++;

    if (incident.state === "resolved") {
      const ending = endingOf(timeline);
      if (ending.outcome) outcomes[ending.outcome]++;
      if (ending.outcome === "duplicate") {
        if (ending.merged) merged++;
        else closedAsDuplicate++;
      }
    }
  }

  const withOutcome = RESOLVE_OUTCOMES.reduce((total, o) => total + outcomes[o], 0);
  const accurate = outcomes.fixed + outcomes.auto_resolved;
  const created = facts.incidents.length;
  return {
    created,
    m1TicketCreation: {
      byPlatformAndSeverity: [...m1.values()]
        .sort((a, b) => a.platform.localeCompare(b.platform) || a.severity.localeCompare(b.severity))
        .map(({ platform, severity, values }) => ({ platform, severity, ...distribution(values) })),
      all: distribution(m1All),
      clockSkew,
    },
    m2TicketAccuracy: { ratio: ratio(accurate, withOutcome), accurate, withOutcome },
    m3DuplicateRate: {
      ratio: ratio(merged + closedAsDuplicate, created),
      duplicates: merged + closedAsDuplicate,
      merged,
      closedAsDuplicate,
    },
    m4FalsePositiveRate: {
      ratio: ratio(outcomes.false_positive, withOutcome),
      falsePositives: outcomes.false_positive,
      withOutcome,
    },
    m5TimeToAssign: {
      ...distribution(assign),
      reassignments,
      reassignedIncidents,
      reassignedRatio: ratio(reassignedIncidents, assign.length),
    },
    m6TimeToAcknowledge: distribution(acknowledge),
    m7TimeToResolve: distribution(resolve),
    m8EscalationRate: { ratio: ratio(escalated, created), escalated },
    m9EnrichmentSuccess: { ratio: ratio(enriched, ticketed), enriched, ticketed, required: options.requiredContext },
    outcomes,
  };
}

function skewOf(incident: SliIncident, options: SliOptions): "future" | "tooOld" | null {
  if (incident.firstSeenAt - incident.createdAt > options.futureTolerance) return "future";
  if (incident.createdAt - incident.firstSeenAt > options.maxEventAge) return "tooOld";
  return null;
}

/**
 * How the incident's latest resolve ended: the outcome entry written with it (given through the API or
 * mapped from the platform's code), else implied by who resolved it: a merge is a duplicate, Sluice itself
 * (quiet period, the alert resolving) auto_resolved; a person's resolve without one is unknown.
 */
function endingOf(timeline: readonly NewTimelineEvent[]): { outcome: ResolveOutcome | null; merged: boolean } {
  let outcome: ResolveOutcome | null = null;
  let merged = false;
  for (const entry of timeline) {
    if (entry.action === "reopened") {
      outcome = null;
      merged = false;
    } else if (entry.action === "resolved") {
      merged = entry.actor === MERGE_ACTOR;
      outcome = merged ? "duplicate" : entry.actor.startsWith("sluice:") ? "auto_resolved" : null;
    } else if (entry.action === OUTCOME_ACTION && (RESOLVE_OUTCOMES as readonly string[]).includes(entry.detail)) {
      outcome = entry.detail as ResolveOutcome;
    }
  }
  return { outcome, merged };
}

/** Who the ticket was assigned to, in order: assignments, and acknowledgements an assignment made (lifecycle.autoAcknowledge). */
function assignmentsOf(timeline: readonly NewTimelineEvent[]): { at: number; who: string }[] {
  const found: { at: number; who: string }[] = [];
  for (const entry of timeline) {
    if (entry.action !== "assigned" && entry.action !== "acknowledged") continue;
    const match = ASSIGNED.exec(entry.detail);
    if (match?.[1]) found.push({ at: entry.at, who: match[1] });
  }
  return found;
}

function hasContext(context: IncidentContext, required: SliOptions["requiredContext"]): boolean {
  return required.every((part) => {
    switch (part) {
      case "owner":
        return context.owner !== undefined;
      case "runbook":
        return Boolean(context.owner?.runbookUrl);
      case "changes":
        return (context.changes?.length ?? 0) > 0;
      case "trace":
        return context.trace !== undefined;
      case "affectedUsers":
        return context.affectedUsers !== undefined;
      case "similar":
        return (context.similar?.length ?? 0) > 0;
    }
    return false;
  });
}

export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((total, v) => total + v, 0);
  const rank = (q: number) => (sorted.length ? (sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? null) : null);
  return {
    count: sorted.length,
    sum,
    mean: sorted.length ? sum / sorted.length : null,
    p50: rank(0.5),
    p90: rank(0.9),
    p99: rank(0.99),
  };
}

const ratio = (part: number, whole: number) => (whole > 0 ? part / whole : null);
const seconds_ = (ms: number) => Math.max(0, ms) / 1000;

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const list = groups.get(key(item));
    if (list) list.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}
