import type { OpenIncident } from "../../core/ports/store.ts";
import type { Signal } from "../../core/signal.ts";
import type { Decision, JoinTarget, PlanContext, PreparedSignal } from "./decisions.ts";

/** What deciding reads of the batch: the store's view, plus what the batch's earlier signals did to it. */
export interface BatchView {
  /** The fingerprint's unresolved incident as the batch has left it so far; undefined when there is none. */
  current(fingerprint: string): Readonly<OpenIncident> | undefined;
  /** Whether the fingerprint had an unresolved incident before the batch, or the batch opened or reopened one. */
  touched(fingerprint: string): boolean;
  /** Whether a signal with this source and id is stored, or came earlier in this batch. */
  stored(source: string, sourceId: string): boolean;
}

/** What deciding reads besides the batch: the rules, and what the runner looked up for the batch's signals. */
export interface DecideInputs {
  context: Pick<PlanContext, "lookbackMs" | "reopenWindowMs">;
  /** Resolved incidents by fingerprint that a firing signal may reopen. */
  recentlyResolved: ReadonlyMap<string, OpenIncident>;
  /** By signal id: the open incident a would-be-new incident's signal joins instead (a symptom, the same trace, a merged pattern). */
  symptomOf: ReadonlyMap<string, JoinTarget>;
}

/**
 * Decides what one signal does: duplicate, stale, gated, resolves, joins, reopens or opens. Pure: reads
 * only its arguments and changes nothing; the applier writes the decision and updates the view.
 */
export function decide(item: PreparedSignal, view: BatchView, inputs: DecideInputs): Decision {
  const { signal, verdict } = item;
  if (view.stored(signal.source, signal.sourceId)) return { kind: "duplicate" };
  if (signal.status === "firing" && signal.resolveSourceId && view.stored(signal.source, signal.resolveSourceId)) {
    return { kind: "stale-firing" };
  }
  if (!verdict.pass) return { kind: "gated", outcome: verdict.outcome, reason: verdict.reason };
  if (signal.status === "resolved") return decideResolve(signal, item.fingerprint, view.current(item.fingerprint));
  return decideFiring(item, view, inputs);
}

function decideResolve(signal: Signal, fingerprint: string, current: Readonly<OpenIncident> | undefined): Decision {
  if (!current) return { kind: "nothing-to-resolve" };
  const alertKey = signal.alertKey ? signal.alertKey : null;
  if (alertKey) {
    const stillFiring = current.firingAlerts.size - (current.firingAlerts.has(alertKey) ? 1 : 0);
    if (stillFiring > 0) return { kind: "alert-resolved", fingerprint, alertKey, stillFiring };
  }
  return { kind: "resolve-by-source", fingerprint, alertKey };
}

function decideFiring(item: PreparedSignal, view: BatchView, inputs: DecideInputs): Decision {
  const { signal, fingerprint } = item;
  const current = view.current(fingerprint);
  if (!current) return decideNew(item, view, inputs, false);
  // Alerts stay one incident until their source resolves them; anomalies have no resolve, so a
  // gap longer than the lookback window means a new occurrence of the problem.
  const gap = signal.occurredAt - current.lastSeenAt;
  if (current.kind === "alert" || gap <= inputs.context.lookbackMs) return { kind: "join", fingerprint };
  const next = decideNew(item, view, inputs, true);
  return { kind: "resolve-after-gap", fingerprint, seconds: Math.round(gap / 1000), next };
}

/** A firing signal with no unresolved incident of its own: joins a root cause's, its trace's or its merged pattern's, reopens, or opens. */
function decideNew(item: PreparedSignal, view: BatchView, inputs: DecideInputs, ownResolvedByGap: boolean): Decision {
  const { signal, fingerprint } = item;
  const target = inputs.symptomOf.get(signal.id);
  // The signal's own incident, resolved by its gap a moment before, is no longer there to join.
  const resolvedNow = ownResolvedByGap && target?.fingerprint === fingerprint;
  if (target && !resolvedNow && view.current(target.fingerprint)) return { kind: "symptom-join", target };
  const recent = inputs.recentlyResolved.get(fingerprint);
  const window = inputs.context.reopenWindowMs ?? 0;
  if (recent && !view.touched(fingerprint) && recent.resolvedAt != null && window > 0) {
    const gapMs = signal.occurredAt - recent.resolvedAt;
    // An incident that went quiet is treated as if it were still open: a signal after a gap longer than
    // lookbackWindow is a new occurrence either way. Otherwise whether the problem's return is a new
    // incident would depend on whether a quiet-period sweep happened to run during the pause (live, yes;
    // a replay or a restart, maybe not), and a 50-minute pause would give one incident where 20 give two.
    const quietTooLong =
      recent.resolvedQuietly === true &&
      recent.kind !== "alert" &&
      signal.occurredAt - recent.lastSeenAt > inputs.context.lookbackMs;
    if (Math.abs(gapMs) <= window && !quietTooLong) return { kind: "reopen", incident: recent, gapMs };
  }
  return { kind: "open", fingerprint, patternId: item.patternId };
}
