import type { Signal } from "../../core/signal.ts";
import { mapAllOrNothing, mapAllOrNothingInSlices } from "../../core/zod-problems.ts";
import { isAnomalyEvent, mapAnomalyEvent } from "./anomaly-event.ts";
import type { NormalizeContext } from "./build-signal.ts";
import { mapGenericSignal } from "./generic-signal.ts";

/**
 * Normalizes the items of one request (anomaly events or generic signals, mixed freely). All or
 * nothing: one bad item fails the request with every problem named, so a sender never has to guess
 * which of its items were kept.
 */
export function normalizeItems(items: readonly unknown[], context: NormalizeContext, single: boolean): Signal[] {
  return mapAllOrNothing(items, single, ["signal", "signals"], (item, _index, prefix) => mapItem(item, context, prefix));
}

/** normalizeItems for large requests: a slice at a time, the event loop free in between. */
export function normalizeItemsInSlices(items: readonly unknown[], context: NormalizeContext, single: boolean): Promise<Signal[]> {
  return mapAllOrNothingInSlices(items, single, ["signal", "signals"], (item, _index, prefix) => mapItem(item, context, prefix));
}

/** True when every item names its upstream id, so a retry of the request is recognised item by item. */
export function allHaveUpstreamIds(items: readonly unknown[]): boolean {
  return items.every(
    (item) =>
      item !== null &&
      typeof item === "object" &&
      (isAnomalyEvent(item as Record<string, unknown>) || typeof (item as { sourceId?: unknown }).sourceId === "string"),
  );
}

function mapItem(item: Record<string, unknown>, context: NormalizeContext, prefix: string) {
  const result = isAnomalyEvent(item) ? mapAnomalyEvent(item, context, prefix) : mapGenericSignal(item, context, prefix);
  return "problems" in result ? result : result.signal;
}
