import type { OpenIncident } from "../../core/ports/store.ts";
import { BatchApplier } from "./batch-applier.ts";
import { decide } from "./decide.ts";
import type { BatchPlan, JoinTarget, PlanContext, PreparedSignal } from "./decisions.ts";

// The planner's input and result types, for its callers.
export type { BatchPlan, PlanContext, PreparedSignal, SignalDecision } from "./decisions.ts";

/**
 * Plans a batch of signals: for each in turn, decides what it does (duplicate, gated, joins an open
 * incident, opens, resolves or reopens one; correlate/decide.ts, pure) on the batch as the earlier signals
 * left it, and writes that decision into the change set (correlate/batch-applier.ts, the one writer).
 * Reads only its arguments; the caller writes the change set and announces the effects once committed.
 */
export function planBatch(
  items: readonly PreparedSignal[],
  open: ReadonlyMap<string, OpenIncident>,
  alreadyStored: ReadonlySet<string>,
  context: PlanContext,
  recentlyResolved: ReadonlyMap<string, OpenIncident> = new Map(),
  symptomOf: ReadonlyMap<string, JoinTarget> = new Map(),
): BatchPlan {
  const applier = new BatchApplier(open, alreadyStored, context);
  const inputs = { context, recentlyResolved, symptomOf };
  for (const item of items) applier.apply(item, decide(item, applier, inputs));
  return { changes: applier.changes, decisions: applier.decisions, ...applier.effects };
}
