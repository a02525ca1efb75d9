import { newId } from "../../core/ids.ts";
import { priorityFor } from "../../core/incident.ts";
import { moreSevere, type Severity, type Signal, severityRank } from "../../core/signal.ts";
import {
  type ChangeSet,
  emptyChangeSet,
  type IncidentChange,
  type NewIncident,
  type OpenIncident,
  type SignalOutcome,
  signalKey,
} from "../../store/store.ts";
import type { GateVerdict } from "../gate/gate.ts";
import type { RouteDecision } from "../route/route.ts";

/** A signal after the pure stages: gated, its pattern mined and its fingerprint taken. */
/** How each kind of correlated join is written on the timeline and in the signal's result. */
const JOIN_KINDS = {
  symptom: {
    action: "symptom-joined",
    rule: "blast radius: a symptom of this incident's root cause joins it instead of opening its own",
    label: "symptom of the root cause",
  },
  "same-trace": {
    action: "trace-joined",
    rule: "same trace: a signal about a failing trace joins the incident that already holds that trace",
    label: "same failing trace",
  },
} as const;

export interface PreparedSignal {
  signal: Signal;
  verdict: GateVerdict;
  fingerprint: string;
  /** The mined pattern in the fingerprint; null when the source named the problem. */
  patternId: string | null;
}

export interface PlanContext {
  lookbackMs: number;
  /** A firing signal this soon after its incident resolved reopens it; 0: never. */
  reopenWindowMs?: number;
  now: number;
  route(signal: Signal): RouteDecision;
  /** How long a new incident may stay unacknowledged before it escalates; undefined: never. */
  escalateAfter?(signal: Signal): number | undefined;
}

export interface SignalDecision {
  outcome: SignalOutcome;
  incidentId: string | null;
  reason: string | null;
}

export interface BatchPlan {
  changes: ChangeSet;
  decisions: SignalDecision[];
  /** New incidents by fingerprint, to learn their numbers after the write. */
  opened: NewIncident[];
  /** Incidents this batch resolved (their alerts resolved, or a lookback gap), for time-to-resolve. */
  resolved: { severity: Severity; seconds: number }[];
}

/** An incident as the batch sees it: what the store had, plus what this batch did to it. */
interface Working {
  open: OpenIncident;
  /** Set when the incident was opened by this batch (changes then edit it directly). */
  created: NewIncident | null;
  change: IncidentChange | null;
}

const SLUICE = "sluice:correlate";
const ROUTINE_JOIN = "same fingerprint within lookbackWindow";
const STALE_FIRING = "stale: this alert's resolve (same start time) arrived first, so it opens and joins nothing";

/**
 * Decides, for a batch of signals, what each one does: duplicate, gated, joins an open incident,
 * opens one, or resolves one. Pure: reads only its arguments; the caller writes the change set.
 */
export function planBatch(
  items: readonly PreparedSignal[],
  open: ReadonlyMap<string, OpenIncident>,
  alreadyStored: ReadonlySet<string>,
  context: PlanContext,
  recentlyResolved: ReadonlyMap<string, OpenIncident> = new Map(),
  symptomOf: ReadonlyMap<string, { fingerprint: string; reason: string; why?: "symptom" | "same-trace" }> = new Map(),
): BatchPlan {
  const changes = emptyChangeSet();
  const decisions: SignalDecision[] = [];
  const opened: NewIncident[] = [];
  const resolved: BatchPlan["resolved"] = [];
  const working = new Map<string, Working>();
  const seenKeys = new Set<string>();
  /** "incident id + service" of symptoms already on the timeline in this batch: one entry each, not one per signal. */
  const symptomsNoted = new Set<string>();

  const workingFor = (fingerprint: string): Working | undefined => {
    let entry = working.get(fingerprint);
    if (!entry) {
      const stored = open.get(fingerprint);
      if (!stored) return undefined;
      entry = { open: { ...stored, firingAlerts: new Set(stored.firingAlerts) }, created: null, change: null };
      working.set(fingerprint, entry);
    }
    return entry.open.state === "resolved" ? undefined : entry;
  };

  const changeOf = (entry: Working): IncidentChange => {
    if (!entry.change) {
      // Pushed now and filled in as the batch goes: a later signal may replace this fingerprint's entry.
      entry.change = { id: entry.open.id, expectedVersion: entry.open.version, at: context.now, addSignals: 0, set: {} };
      changes.incidentChanges.push(entry.change);
    }
    return entry.change;
  };

  const resolve = (entry: Working, at: number, actor: string, why: string, causedAt: number) => {
    entry.open.state = "resolved";
    resolved.push({ severity: entry.open.severity, seconds: (at - entry.open.firstSeenAt) / 1000 });
    if (entry.created) {
      entry.created.state = "resolved";
      entry.created.resolvedAt = at;
    } else {
      Object.assign(changeOf(entry).set, { state: "resolved", resolvedAt: at });
    }
    changes.timeline.push({ incidentId: entry.open.id, at: context.now, actor, action: "resolved", detail: why, rule: null });
    for (const platform of entry.open.platforms) {
      changes.deliveries.push({ incidentId: entry.open.id, platform, action: "resolve", detail: why, causedAt });
    }
  };

  // Stored before, or earlier in this batch.
  const isStored = (source: string, sourceId: string) => {
    const key = signalKey(source, sourceId);
    return alreadyStored.has(key) || seenKeys.has(key);
  };

  for (const { signal, verdict, fingerprint, patternId } of items) {
    const key = signalKey(signal.source, signal.sourceId);
    if (alreadyStored.has(key) || seenKeys.has(key)) {
      decisions.push({ outcome: "duplicate", incidentId: null, reason: "same source and sourceId already received" });
      continue;
    }
    seenKeys.add(key);
    let decision: SignalDecision;
    if (signal.status === "firing" && signal.resolveSourceId && isStored(signal.source, signal.resolveSourceId)) {
      decision = { outcome: "unmatched", incidentId: null, reason: STALE_FIRING };
    } else if (!verdict.pass) {
      decision = { outcome: verdict.outcome, incidentId: null, reason: verdict.reason };
    } else if (signal.status === "resolved") {
      decision = planResolve(signal, workingFor(fingerprint));
    } else {
      decision = planFiring(signal, fingerprint, patternId);
    }
    decisions.push(decision);
    changes.signals.push({
      signal,
      fingerprint,
      outcome: decision.outcome,
      // Joining is the common case and its reason never varies; storing it would only add bytes per signal.
      outcomeReason: decision.reason === ROUTINE_JOIN ? null : decision.reason,
      incidentId: decision.incidentId,
    });
  }
  return { changes, decisions, opened, resolved };

  function planResolve(signal: Signal, entry: Working | undefined): SignalDecision {
    if (!entry) return { outcome: "unmatched", incidentId: null, reason: "no open incident to resolve" };
    if (signal.alertKey) {
      entry.open.firingAlerts.delete(signal.alertKey);
      changes.alertStates.push({
        incidentId: entry.open.id,
        alertKey: signal.alertKey,
        status: "resolved",
        at: signal.occurredAt,
      });
      if (entry.open.firingAlerts.size > 0) {
        // Only the alert's row changes, but the version must: a replica resolving another of its alerts
        // right now then plans again and sees this one resolved, instead of both leaving it open.
        if (!entry.created) changeOf(entry).versioned = true;
        return {
          outcome: "resolved",
          incidentId: entry.open.id,
          reason: `alert resolved; ${entry.open.firingAlerts.size} still firing`,
        };
      }
    }
    resolve(
      entry,
      signal.occurredAt,
      `${signal.source}:resolved`,
      `${signal.source} reported the problem resolved`,
      signal.receivedAt,
    );
    return { outcome: "resolved", incidentId: entry.open.id, reason: "resolved by source" };
  }

  function planFiring(signal: Signal, fingerprint: string, patternId: string | null): SignalDecision {
    let entry = workingFor(fingerprint);
    // Alerts stay one incident until their source resolves them; anomalies have no resolve, so a
    // gap longer than the lookback window means a new occurrence of the problem.
    if (entry && entry.open.kind !== "alert" && signal.occurredAt - entry.open.lastSeenAt > context.lookbackMs) {
      const gap = Math.round((signal.occurredAt - entry.open.lastSeenAt) / 1000);
      resolve(
        entry,
        entry.open.lastSeenAt,
        SLUICE,
        `no signal for ${gap}s (longer than lookbackWindow); a new occurrence opens a new incident`,
        signal.receivedAt,
      );
      entry = undefined;
    }
    if (!entry) {
      const symptom = joinAsSymptom(signal);
      if (symptom) return symptom;
    }
    if (!entry) entry = reopenRecent(signal, fingerprint);
    if (!entry) return openIncident(signal, fingerprint, patternId);
    join(entry, signal);
    return { outcome: "deduplicated", incidentId: entry.open.id, reason: ROUTINE_JOIN };
  }

  /**
   * Joins the open incident correlation found for this signal: the root cause's, of which it is a downstream
   * effect (blast radius), or the one holding the same failing trace.
   */
  function joinAsSymptom(signal: Signal): SignalDecision | undefined {
    const target = symptomOf.get(signal.id);
    const entry = target ? workingFor(target.fingerprint) : undefined;
    if (!target || !entry) return undefined;
    join(entry, signal);
    const how = JOIN_KINDS[target.why ?? "symptom"];
    const noted = `${entry.open.id}\u0000${signal.service}\u0000${how.action}`;
    if (!symptomsNoted.has(noted)) {
      symptomsNoted.add(noted);
      changes.timeline.push({
        incidentId: entry.open.id,
        at: context.now,
        actor: SLUICE,
        action: how.action,
        detail: `${signal.service}: ${target.reason}`,
        rule: how.rule,
      });
    }
    return { outcome: "deduplicated", incidentId: entry.open.id, reason: `${how.label}: ${target.reason}` };
  }

  /** The incident this fingerprint resolved within the reopen window, reopened; undefined when there is none. */
  function reopenRecent(signal: Signal, fingerprint: string): Working | undefined {
    const recent = recentlyResolved.get(fingerprint);
    const window = context.reopenWindowMs ?? 0;
    if (!recent || working.has(fingerprint) || recent.resolvedAt == null || window <= 0) return undefined;
    const gap = signal.occurredAt - recent.resolvedAt;
    if (Math.abs(gap) > window) return undefined;
    // An incident that went quiet is treated as if it were still open: a signal after a gap longer than
    // lookbackWindow is a new occurrence either way. Otherwise whether the problem's return is a new
    // incident would depend on whether a quiet-period sweep happened to run during the pause (live, yes;
    // a replay or a restart, maybe not), and a 50-minute pause would give one incident where 20 give two.
    if (recent.resolvedQuietly && recent.kind !== "alert" && signal.occurredAt - recent.lastSeenAt > context.lookbackMs) {
      return undefined;
    }
    const entry: Working = { open: { ...recent, state: "open", firingAlerts: new Set() }, created: null, change: null };
    working.set(fingerprint, entry);
    Object.assign(changeOf(entry).set, { state: "open", resolvedAt: null, acknowledgedAt: null, escalationLevel: 0 });
    const detail = `a new signal ${Math.round(gap / 1000)}s after the resolve, within reopenWindow: the problem is back`;
    changes.timeline.push({
      incidentId: recent.id,
      at: context.now,
      actor: SLUICE,
      action: "reopened",
      detail,
      rule: "reopenWindow",
    });
    for (const platform of recent.platforms) {
      changes.deliveries.push({ incidentId: recent.id, platform, action: "reopen", detail, causedAt: signal.receivedAt });
    }
    return entry;
  }

  function join(entry: Working, signal: Signal): void {
    const target = entry.open;
    target.lastSeenAt = Math.max(target.lastSeenAt, signal.occurredAt);
    if (signal.alertKey && !target.firingAlerts.has(signal.alertKey)) {
      target.firingAlerts.add(signal.alertKey);
      changes.alertStates.push({ incidentId: target.id, alertKey: signal.alertKey, status: "firing", at: signal.occurredAt });
    }
    const raised = severityRank(signal.severity) < severityRank(target.severity);
    if (raised) {
      const detail = `severity raised from ${target.severity} to ${signal.severity} by a new signal`;
      target.severity = moreSevere(target.severity, signal.severity);
      changes.timeline.push({
        incidentId: target.id,
        at: context.now,
        actor: SLUICE,
        action: "severity-raised",
        detail,
        rule: null,
      });
      for (const platform of target.platforms) {
        changes.deliveries.push({ incidentId: target.id, platform, action: "update", detail, causedAt: signal.receivedAt });
      }
    }
    if (entry.created) {
      entry.created.signalCount += 1;
      entry.created.lastSeenAt = target.lastSeenAt;
      entry.created.severity = target.severity;
      entry.created.priority = priorityFor(target.severity);
      return;
    }
    const change = changeOf(entry);
    change.addSignals += 1;
    change.set.lastSeenAt = target.lastSeenAt;
    if (raised) Object.assign(change.set, { severity: target.severity, priority: priorityFor(target.severity) });
  }

  function openIncident(signal: Signal, fingerprint: string, patternId: string | null): SignalDecision {
    const routed = context.route(signal);
    const id = newId(context.now);
    const incident: NewIncident = {
      id,
      fingerprint,
      kind: signal.kind,
      title: signal.title,
      tenant: signal.tenant,
      service: signal.service,
      environment: signal.environment,
      errorPattern: signal.errorPattern,
      patternId,
      severity: signal.severity,
      priority: priorityFor(signal.severity),
      state: "open",
      firstSeenAt: signal.occurredAt,
      lastSeenAt: signal.occurredAt,
      signalCount: 1,
      escalationLevel: 0,
      platforms: routed.platforms,
      matchedRule: routed.rule,
      summary: summarize(signal),
      context: {},
      createdAt: context.now,
      updatedAt: context.now,
      acknowledgedAt: null,
      resolvedAt: null,
    };
    opened.push(incident);
    changes.newIncidents.push(incident);
    const firingAlerts = new Set<string>(signal.alertKey ? [signal.alertKey] : []);
    if (signal.alertKey)
      changes.alertStates.push({ incidentId: id, alertKey: signal.alertKey, status: "firing", at: signal.occurredAt });
    working.set(fingerprint, {
      open: { ...incident, number: 0, version: 0, firingAlerts },
      created: incident,
      change: null,
    });
    changes.timeline.push({
      incidentId: id,
      at: context.now,
      actor: SLUICE,
      action: "opened",
      detail: `first signal ${signal.id} from ${signal.source}; error pattern "${signal.errorPattern}"`,
      rule: "fingerprint: tenant+service+environment+error pattern",
    });
    const unavailable = routed.unavailable.length ? `; not delivered to ${routed.unavailable.join(", ")} (not enabled)` : "";
    changes.timeline.push({
      incidentId: id,
      at: context.now,
      actor: "sluice:route",
      action: "routed",
      detail: `to ${routed.platforms.join(", ") || "no platform"}${unavailable}`,
      rule: routed.rule,
    });
    for (const platform of routed.platforms) {
      changes.deliveries.push({ incidentId: id, platform, action: "create", detail: "", causedAt: signal.receivedAt });
    }
    const escalateAfter = context.escalateAfter?.(signal);
    if (escalateAfter !== undefined) {
      changes.timers.push({ kind: "escalate", incidentId: id, step: 1, dueAt: context.now + escalateAfter });
    }
    return { outcome: "opened", incidentId: id, reason: routed.rule };
  }
}

function summarize(signal: Signal): string {
  const score = signal.score === null ? "" : ` (score ${signal.score.toFixed(2)})`;
  return `${signal.kind} on ${signal.service} in ${signal.environment}${score}: ${signal.message || signal.title}`.slice(0, 1000);
}
