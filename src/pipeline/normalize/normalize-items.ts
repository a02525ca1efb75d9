import type { FieldProblem } from "../../core/errors.ts";
import type { Signal } from "../../core/signal.ts";
import { isAnomalyEvent, mapAnomalyEvent } from "./anomaly-event.ts";
import type { NormalizeContext } from "./build-signal.ts";
import { mapGenericSignal } from "./generic-signal.ts";
import { validationFailed } from "./zod-problems.ts";

/**
 * Normalizes the items of one request (anomaly events or generic signals, mixed freely). All or
 * nothing: one bad item fails the request with every problem named, so a sender never has to guess
 * which of its items were kept.
 */
export function normalizeItems(items: readonly unknown[], context: NormalizeContext, single: boolean): Signal[] {
  const signals: Signal[] = [];
  const problems: FieldProblem[] = [];
  items.forEach((item, index) => {
    const prefix = single ? "" : `[${index}]`;
    if (item === null || typeof item !== "object" || Array.isArray(item)) {
      problems.push({ path: prefix || "(body)", message: "expected a JSON object" });
      return;
    }
    const result = isAnomalyEvent(item as Record<string, unknown>)
      ? mapAnomalyEvent(item, context, prefix)
      : mapGenericSignal(item, context, prefix);
    if ("problems" in result) problems.push(...result.problems);
    else signals.push(result.signal);
  });
  if (problems.length > 0) throw validationFailed(problems, items.length === 1 ? "invalid signal" : "invalid signals");
  return signals;
}
