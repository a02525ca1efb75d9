import type { Signal } from "../../core/signal.ts";
import { mapAllOrNothing } from "../../core/zod-problems.ts";
import { isAnomalyEvent, mapAnomalyEvent } from "./anomaly-event.ts";
import type { NormalizeContext } from "./build-signal.ts";
import { mapGenericSignal } from "./generic-signal.ts";

/**
 * Normalizes the items of one request (anomaly events or generic signals, mixed freely). All or
 * nothing: one bad item fails the request with every problem named, so a sender never has to guess
 * which of its items were kept.
 */
export function normalizeItems(items: readonly unknown[], context: NormalizeContext, single: boolean): Signal[] {
  return mapAllOrNothing(items, single, ["signal", "signals"], (item, _index, prefix) => {
    const result = isAnomalyEvent(item) ? mapAnomalyEvent(item, context, prefix) : mapGenericSignal(item, context, prefix);
    return "problems" in result ? result : result.signal;
  });
}
