import type { ChangeSet, NewIncident, OpenIncident, SignalOutcome } from "../../core/ports/store.ts";
import type { Severity, Signal } from "../../core/signal.ts";
import type { GateVerdict } from "../gate/gate.ts";
import type { RouteDecision } from "../route/route.ts";

/** A signal after the pure stages: gated, its pattern mined and its fingerprint taken. */
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

/** Where a symptom (or a signal of a problem whose error patterns merged) goes instead of opening its own incident, and why. */
export interface JoinTarget {
  fingerprint: string;
  reason: string;
  /** What made it join, for the timeline and the signal's result (default: a symptom of the root cause). */
  why?: "symptom" | "same-trace" | "merged-pattern";
}

/**
 * What correlation decided for one signal, as data (decide.ts); the applier (batch-applier.ts) writes it.
 * A firing signal whose anomaly incident went quiet for longer than the lookback window first resolves it
 * ("resolve-after-gap"), then does what `next` says, like any signal with nothing open.
 */
export type Decision =
  | { kind: "duplicate" }
  /** A firing alert whose resolve (same start time) is stored already: it opens and joins nothing. */
  | { kind: "stale-firing" }
  | { kind: "gated"; outcome: SignalOutcome; reason: string }
  | { kind: "nothing-to-resolve" }
  /** One of the incident's alerts resolved while others still fire. */
  | { kind: "alert-resolved"; fingerprint: string; alertKey: string; stillFiring: number }
  | { kind: "resolve-by-source"; fingerprint: string; alertKey: string | null }
  | { kind: "resolve-after-gap"; fingerprint: string; seconds: number; next: Decision }
  | { kind: "join"; fingerprint: string }
  /** Joins the incident of its root cause (blast radius), of its failing trace, or of its problem under a merged error pattern. */
  | { kind: "symptom-join"; target: JoinTarget }
  /** Reopens the incident its fingerprint resolved within the reopen window, and joins it. */
  | { kind: "reopen"; incident: OpenIncident; gapMs: number }
  | { kind: "open"; fingerprint: string; patternId: string | null };

/** What the caller (and the stored signal) learns of one signal. */
export interface SignalDecision {
  outcome: SignalOutcome;
  incidentId: string | null;
  reason: string | null;
}

/** What the batch did to an incident that existed before it (or that it reopened). */
export type IncidentChangeKind = "signals-joined" | "severity-raised" | "alert-resolved";

export interface ChangedIncident {
  incidentId: string;
  kinds: IncidentChangeKind[];
}

/** What the batch did to incidents, by kind, for the runner to announce once it is committed. */
export interface BatchEffects {
  /** New incidents, in the order opened (their ids are known now, their numbers after the write). */
  opened: NewIncident[];
  /** Incidents stored before the batch (or reopened by it) that took signals, a higher severity or an alert's resolve. */
  changed: ChangedIncident[];
  /** Time to resolve of every incident the batch resolved (their alerts resolved, or a lookback gap). */
  resolved: { severity: Severity; seconds: number }[];
  /** Ids of the incidents the batch resolved, in the same order. */
  resolvedIds: string[];
  /** Ids of the resolved incidents the batch reopened. */
  reopened: string[];
}

export interface BatchPlan extends BatchEffects {
  changes: ChangeSet;
  decisions: SignalDecision[];
}
