import type { TraceRepository } from "../core/ports/trace-repository.ts";
import type { TraceAnalysis } from "../core/trace.ts";
import { analyseTrace } from "./analysis.ts";

/**
 * The analysis of a trace: the stored one, or, for a trace still assembling (its spans are stored but it
 * has not been quiet long enough), one made now from its stored spans, without counting it anywhere.
 */
export async function lookupTraces(
  repository: TraceRepository,
  traceIds: readonly string[],
  options: { timelineLimit: number; maxSpansPerTrace: number; maxAdHoc: number },
): Promise<Map<string, TraceAnalysis>> {
  const found = new Map<string, TraceAnalysis>();
  const ids = [...new Set(traceIds.map((id) => id.toLowerCase()))];
  if (ids.length === 0) return found;
  const assembling: string[] = [];
  for (const [id, stored] of await repository.analyses(ids)) {
    if (stored) found.set(id, stored.analysis);
    else assembling.push(id);
  }
  // Only traces the store has, and bounded: an ad hoc analysis reads every span of the trace.
  for (const id of assembling.slice(0, options.maxAdHoc)) {
    const analysis = analyseTrace(await repository.spans(id, options.maxSpansPerTrace), options.timelineLimit);
    if (analysis) found.set(id, analysis);
  }
  return found;
}
