import { SluiceError } from "../../core/errors.ts";
import type { LifecycleAction } from "../../core/incident.ts";
import { incidentKey, priorityFor } from "../../core/incident.ts";
import {
  type ChangeSet,
  emptyChangeSet,
  type IncidentChange,
  type NewIncident,
  type OpenIncident,
  signalKey,
} from "../../core/ports/store.ts";
import { moreSevere, type Signal, severityRank } from "../../core/signal.ts";
import { fanOut, fanOutTransition, type TransitionEntry } from "../../lifecycle/fan-out.ts";
import type { BatchView } from "./decide.ts";
import type {
  BatchEffects,
  ChangedIncident,
  Decision,
  IncidentChangeKind,
  JoinTarget,
  PlanContext,
  PreparedSignal,
  SignalDecision,
} from "./decisions.ts";
import { newIncident } from "./new-incident.ts";

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
  "merged-pattern": {
    action: "pattern-joined",
    rule: "merged patterns: a signal whose error pattern absorbed the one an open incident opened with joins that incident",
    label: "same problem under a merged pattern",
  },
} as const;

const SLUICE = "sluice:correlate";
const ROUTINE_JOIN = "same fingerprint within lookbackWindow";
const STALE_FIRING = "stale: this alert's resolve (same start time) arrived first, so it opens and joins nothing";

/** An incident as the batch sees it: what the store had, plus what this batch did to it. */
interface Working {
  open: OpenIncident;
  /** Set when the incident was opened by this batch (changes then edit it directly). */
  created: NewIncident | null;
  change: IncidentChange | null;
}

/**
 * Writes a batch's decisions: the one place correlation changes incidents. Lifecycle steps (resolve,
 * reopen) go through the transition rules and the fan-out; every other change goes on the timeline and to
 * the tickets through the same fan-out. It is also the batch's view for the next decision (BatchView),
 * and collects what changed (effects) for the runner to announce after the commit.
 */
export class BatchApplier implements BatchView {
  readonly changes: ChangeSet = emptyChangeSet();
  readonly decisions: SignalDecision[] = [];
  readonly effects: BatchEffects = { opened: [], changed: [], resolved: [], resolvedIds: [], reopened: [] };
  private readonly working = new Map<string, Working>();
  private readonly seenKeys = new Set<string>();
  /** "incident id + service + action" of symptoms already on the timeline in this batch: one entry each, not one per signal. */
  private readonly symptomsNoted = new Set<string>();
  private readonly changed = new Map<string, ChangedIncident>();

  constructor(
    private readonly open: ReadonlyMap<string, OpenIncident>,
    private readonly alreadyStored: ReadonlySet<string>,
    private readonly context: PlanContext,
  ) {}

  current(fingerprint: string): OpenIncident | undefined {
    const incident = this.working.get(fingerprint)?.open ?? this.open.get(fingerprint);
    return incident?.state === "resolved" ? undefined : incident;
  }

  touched(fingerprint: string): boolean {
    return this.working.has(fingerprint) || this.open.has(fingerprint);
  }

  stored(source: string, sourceId: string): boolean {
    const key = signalKey(source, sourceId);
    return this.alreadyStored.has(key) || this.seenKeys.has(key);
  }

  /** Writes one signal's decision and the signal with its outcome (a duplicate is not stored again). */
  apply(item: PreparedSignal, decision: Decision): SignalDecision {
    const { signal, fingerprint } = item;
    const decided = this.write(decision, item);
    this.decisions.push(decided);
    if (decision.kind === "duplicate") return decided;
    this.seenKeys.add(signalKey(signal.source, signal.sourceId));
    this.changes.signals.push({
      signal,
      fingerprint,
      outcome: decided.outcome,
      // Joining is the common case and its reason never varies; storing it would only add bytes per signal.
      outcomeReason: decided.reason === ROUTINE_JOIN ? null : decided.reason,
      incidentId: decided.incidentId,
    });
    return decided;
  }

  private write(decision: Decision, item: PreparedSignal): SignalDecision {
    const { signal } = item;
    switch (decision.kind) {
      case "duplicate":
        return { outcome: "duplicate", incidentId: null, reason: "same source and sourceId already received" };
      case "stale-firing":
        return { outcome: "unmatched", incidentId: null, reason: STALE_FIRING };
      case "gated":
        return { outcome: decision.outcome, incidentId: null, reason: decision.reason };
      case "nothing-to-resolve":
        return { outcome: "unmatched", incidentId: null, reason: "no open incident to resolve" };
      case "alert-resolved":
        return this.resolveAlert(decision, signal);
      case "resolve-by-source":
        return this.resolveBySource(decision, signal);
      case "resolve-after-gap":
        this.resolveAfterGap(decision, signal);
        return this.write(decision.next, item);
      case "join":
        return this.joinRoutine(this.entry(decision.fingerprint), signal);
      case "symptom-join":
        return this.joinAsSymptom(decision.target, signal);
      case "reopen":
        return this.reopen(decision.incident, decision.gapMs, item);
      case "open":
        return this.openIncident(signal, decision.fingerprint, decision.patternId);
    }
  }

  /** The batch's working copy of the fingerprint's incident, made from the store's on first use. */
  private entry(fingerprint: string): Working {
    let entry = this.working.get(fingerprint);
    if (!entry) {
      const stored = this.open.get(fingerprint);
      if (!stored) throw new SluiceError("INTERNAL", `correlation decided on fingerprint ${fingerprint}, which has no incident`);
      entry = { open: { ...stored, firingAlerts: new Set(stored.firingAlerts) }, created: null, change: null };
      this.working.set(fingerprint, entry);
    }
    return entry;
  }

  private changeOf(entry: Working): IncidentChange {
    if (!entry.change) {
      // Pushed now and filled in as the batch goes: a later signal may replace this fingerprint's entry.
      entry.change = { id: entry.open.id, expectedVersion: entry.open.version, at: this.context.now, addSignals: 0, set: {} };
      this.changes.incidentChanges.push(entry.change);
    }
    return entry.change;
  }

  /** Notes what the batch did to an incident stored before it (one it opened is announced as opened). */
  private noteChange(entry: Working, kind: IncidentChangeKind): void {
    if (entry.created) return;
    let changed = this.changed.get(entry.open.id);
    if (!changed) {
      changed = { incidentId: entry.open.id, kinds: [] };
      this.changed.set(entry.open.id, changed);
      this.effects.changed.push(changed);
    }
    if (!changed.kinds.includes(kind)) changed.kinds.push(kind);
  }

  /** A lifecycle step of the batch, through the transition rules and the fan-out; the fields it sets. */
  private transition(open: OpenIncident, action: LifecycleAction, entry: TransitionEntry): IncidentChange["set"] {
    // The batch never escalates, and neither resolve nor reopen reads the escalation level.
    const subject = {
      id: open.id,
      platforms: open.platforms,
      key: incidentKey(open.number),
      state: open.state,
      escalationLevel: 0,
    };
    const result = fanOutTransition(this.changes, subject, action, { ...entry, recordedAt: this.context.now });
    // Decisions only resolve unresolved incidents and reopen resolved ones: a refusal here is a bug.
    if (!result.ok) throw new SluiceError("INTERNAL", `correlation planned what the lifecycle refuses: ${result.reason}`);
    return result.set;
  }

  private resolve(entry: Working, how: TransitionEntry): void {
    const set = this.transition(entry.open, "resolve", how);
    entry.open.state = "resolved";
    this.effects.resolved.push({ severity: entry.open.severity, seconds: (how.at - entry.open.firstSeenAt) / 1000 });
    this.effects.resolvedIds.push(entry.open.id);
    Object.assign(entry.created ?? this.changeOf(entry).set, set);
  }

  private resolveAlert(decision: Extract<Decision, { kind: "alert-resolved" }>, signal: Signal): SignalDecision {
    const entry = this.entry(decision.fingerprint);
    this.alertResolved(entry, decision.alertKey, signal);
    // Only the alert's row changes, but the version must: a replica resolving another of its alerts
    // right now then plans again and sees this one resolved, instead of both leaving it open.
    if (!entry.created) this.changeOf(entry).versioned = true;
    this.noteChange(entry, "alert-resolved");
    const reason = `alert resolved; ${decision.stillFiring} still firing`;
    return { outcome: "resolved", incidentId: entry.open.id, reason };
  }

  private alertResolved(entry: Working, alertKey: string, signal: Signal): void {
    entry.open.firingAlerts.delete(alertKey);
    this.changes.alertStates.push({ incidentId: entry.open.id, alertKey, status: "resolved", at: signal.occurredAt });
  }

  private resolveBySource(decision: Extract<Decision, { kind: "resolve-by-source" }>, signal: Signal): SignalDecision {
    const entry = this.entry(decision.fingerprint);
    if (decision.alertKey) this.alertResolved(entry, decision.alertKey, signal);
    this.resolve(entry, {
      at: signal.occurredAt,
      actor: `${signal.source}:resolved`,
      detail: `${signal.source} reported the problem resolved`,
      causedAt: signal.receivedAt,
    });
    return { outcome: "resolved", incidentId: entry.open.id, reason: "resolved by source" };
  }

  private resolveAfterGap(decision: Extract<Decision, { kind: "resolve-after-gap" }>, signal: Signal): void {
    const entry = this.entry(decision.fingerprint);
    this.resolve(entry, {
      at: entry.open.lastSeenAt,
      actor: SLUICE,
      detail: `no signal for ${decision.seconds}s (longer than lookbackWindow); a new occurrence opens a new incident`,
      causedAt: signal.receivedAt,
    });
  }

  /** Reopens an incident this fingerprint resolved within the reopen window, and joins the signal to it. */
  private reopen(recent: OpenIncident, gapMs: number, { signal, fingerprint }: PreparedSignal): SignalDecision {
    const set = this.transition(recent, "reopen", {
      at: this.context.now,
      actor: SLUICE,
      detail: `a new signal ${Math.round(gapMs / 1000)}s after the resolve, within reopenWindow: the problem is back`,
      rule: "reopenWindow",
      causedAt: signal.receivedAt,
    });
    const entry: Working = { open: { ...recent, state: "open", firingAlerts: new Set() }, created: null, change: null };
    this.working.set(fingerprint, entry);
    Object.assign(this.changeOf(entry).set, set);
    this.effects.reopened.push(recent.id);
    return this.joinRoutine(entry, signal);
  }

  private joinRoutine(entry: Working, signal: Signal): SignalDecision {
    this.join(entry, signal);
    return { outcome: "deduplicated", incidentId: entry.open.id, reason: ROUTINE_JOIN };
  }

  /**
   * Joins the open incident correlation found for this signal: the root cause's, of which it is a downstream
   * effect (blast radius), the one holding the same failing trace, or the one its problem opened under an
   * error pattern that has since merged into the signal's (issue 17).
   */
  private joinAsSymptom(target: JoinTarget, signal: Signal): SignalDecision {
    const entry = this.entry(target.fingerprint);
    this.join(entry, signal);
    const how = JOIN_KINDS[target.why ?? "symptom"];
    const noted = `${entry.open.id}\u0000${signal.service}\u0000${how.action}`;
    if (!this.symptomsNoted.has(noted)) {
      this.symptomsNoted.add(noted);
      const detail = `${signal.service}: ${target.reason}`;
      fanOut(this.changes, entry.open, this.context.now, { actor: SLUICE, action: how.action, detail, rule: how.rule });
    }
    return { outcome: "deduplicated", incidentId: entry.open.id, reason: `${how.label}: ${target.reason}` };
  }

  private join(entry: Working, signal: Signal): void {
    const target = entry.open;
    target.lastSeenAt = Math.max(target.lastSeenAt, signal.occurredAt);
    if (signal.alertKey && !target.firingAlerts.has(signal.alertKey)) {
      target.firingAlerts.add(signal.alertKey);
      this.changes.alertStates.push({
        incidentId: target.id,
        alertKey: signal.alertKey,
        status: "firing",
        at: signal.occurredAt,
      });
    }
    const raised = severityRank(signal.severity) < severityRank(target.severity);
    if (raised) {
      const detail = `severity raised from ${target.severity} to ${signal.severity} by a new signal`;
      target.severity = moreSevere(target.severity, signal.severity);
      fanOut(this.changes, target, this.context.now, {
        actor: SLUICE,
        action: "severity-raised",
        detail,
        send: { action: "update", causedAt: signal.receivedAt },
      });
      this.noteChange(entry, "severity-raised");
    }
    this.noteChange(entry, "signals-joined");
    if (entry.created) {
      entry.created.signalCount += 1;
      entry.created.lastSeenAt = target.lastSeenAt;
      entry.created.severity = target.severity;
      entry.created.priority = priorityFor(target.severity);
      return;
    }
    const change = this.changeOf(entry);
    change.addSignals += 1;
    change.set.lastSeenAt = target.lastSeenAt;
    if (raised) Object.assign(change.set, { severity: target.severity, priority: priorityFor(target.severity) });
  }

  private openIncident(signal: Signal, fingerprint: string, patternId: string | null): SignalDecision {
    const routed = this.context.route(signal);
    const incident = newIncident(signal, fingerprint, patternId, routed, this.context.now);
    const { id } = incident;
    this.effects.opened.push(incident);
    this.changes.newIncidents.push(incident);
    const firingAlerts = new Set<string>(signal.alertKey ? [signal.alertKey] : []);
    if (signal.alertKey) {
      this.changes.alertStates.push({ incidentId: id, alertKey: signal.alertKey, status: "firing", at: signal.occurredAt });
    }
    this.working.set(fingerprint, {
      open: { ...incident, number: 0, version: 0, firingAlerts },
      created: incident,
      change: null,
    });
    fanOut(this.changes, incident, this.context.now, {
      actor: SLUICE,
      action: "opened",
      detail: `first signal ${signal.id} from ${signal.source}; error pattern "${signal.errorPattern}"`,
      rule: "fingerprint: tenant+service+environment+error pattern",
    });
    const unavailable = routed.unavailable.length ? `; not delivered to ${routed.unavailable.join(", ")} (not enabled)` : "";
    fanOut(this.changes, incident, this.context.now, {
      actor: "sluice:route",
      action: "routed",
      detail: `to ${routed.platforms.join(", ") || "no platform"}${unavailable}`,
      rule: routed.rule,
      send: { action: "create", detail: "", causedAt: signal.receivedAt },
    });
    const escalateAfter = this.context.escalateAfter?.(signal);
    if (escalateAfter !== undefined) {
      this.changes.timers.push({ kind: "escalate", incidentId: id, step: 1, dueAt: this.context.now + escalateAfter });
    }
    return { outcome: "opened", incidentId: id, reason: routed.rule };
  }
}
