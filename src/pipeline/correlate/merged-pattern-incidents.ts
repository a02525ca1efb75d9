import type { Logger } from "pino";
import type { OpenIncident, Store } from "../../core/ports/store.ts";
import type { Signal } from "../../core/signal.ts";
import type { MergeKind } from "../../lifecycle/lifecycle-service.ts";
import { fingerprintOf } from "./fingerprint.ts";

/** Where a signal goes instead of opening an incident of its own (the runner's JoinTarget). */
export interface PatternJoinTarget {
  fingerprint: string;
  reason: string;
  why: "merged-pattern";
}

/** A signal as the runner prepared it: its fingerprint and mined pattern, and whether it passed the gate. */
export interface PreparedPatternSignal {
  signal: Signal;
  fingerprint: string;
  patternId: string | null;
  verdict: { pass: boolean };
}

export interface MergedPatternIncidentsOptions {
  store: Pick<Store, "incidents">;
  /** The pattern ids that merged into this one (PatternCatalog.aliasesOf). */
  aliasesOf(patternId: string): readonly string[];
  /** Incidents whose last signal is older than this are left alone (anomaly.lookbackWindow). */
  lookbackMs: number;
  logger?: Pick<Logger, "warn">;
  /** Counts what happened, for metrics. */
  count?(outcome: "joined" | "merged" | "failed"): void;
}

/** Resolves an incident as merged into another, telling its tickets (LifecycleService.merge). */
export type MergeIncidents = (fromId: string, intoId: string, reason: string, why: MergeKind) => Promise<void>;

export const PATTERN_MERGE: MergeKind = {
  rule: "merged patterns: when two error patterns turn out to be one (a word in them is a parameter), their open incidents become one",
  action: "pattern-merged",
};

/**
 * Streaming without storms (issue 17). The miner can split a problem before it has seen that a word
 * in its messages is a parameter ("role alice", "role bob", …): each early variant gets a pattern, and
 * may open an incident. When the patterns merge, the signals of the merged pattern carry the survivor's
 * id, and so another fingerprint. Before a batch is planned, for each problem with merged patterns this
 *
 * - picks one open incident to hold the problem from now on: the oldest, whichever pattern it opened
 *   with (its tickets are the ones people have been working on), so the batch's signals join it
 *   instead of paging again;
 * - resolves the problem's other open incidents as merged into it: their tickets are told, the
 *   survivor's get a comment, both timelines say why (LifecycleService.merge, as symptom merging does).
 *
 * Only incidents whose last signal is within the lookback window take part: older ones were handled
 * by people as problems of their own. The work happens only for patterns that merged, so a batch
 * without such signals costs one map lookup per signal.
 */
export class MergedPatternIncidents {
  private merge: MergeIncidents | null = null;

  constructor(private readonly options: MergedPatternIncidentsOptions) {}

  /** Sets how incidents are merged (the lifecycle exists only after the runner that calls this). */
  useMerge(merge: MergeIncidents): void {
    this.merge = merge;
  }

  /**
   * For the batch's firing, passing signals whose own fingerprint has no open incident: the open
   * incident of their problem under a merged pattern's fingerprint, added to `open` so the planner can
   * join it. Merges the problem's surplus open incidents first.
   */
  async consolidate(
    prepared: readonly PreparedPatternSignal[],
    open: Map<string, OpenIncident>,
    now: number,
  ): Promise<Map<string, PatternJoinTarget>> {
    const targets = new Map<string, PatternJoinTarget>();
    // One problem per fingerprint of the batch: its signals, and the fingerprints of its merged patterns.
    const problems = new Map<string, { signals: Signal[]; aliases: Map<string, string> }>();
    for (const p of prepared) {
      if (!p.patternId || !p.verdict.pass || p.signal.status !== "firing") continue;
      const known = problems.get(p.fingerprint);
      if (known) {
        known.signals.push(p.signal);
        continue;
      }
      const aliases = this.options.aliasesOf(p.patternId);
      if (aliases.length === 0) continue;
      const byFingerprint = new Map(aliases.map((id) => [fingerprintOf(p.signal, id), id]));
      problems.set(p.fingerprint, { signals: [p.signal], aliases: byFingerprint });
    }
    if (problems.size === 0) return targets;
    const aliasOpen = await this.options.store.incidents.findOpen([...problems.values()].flatMap((p) => [...p.aliases.keys()]));
    const since = now - this.options.lookbackMs;
    for (const [fingerprint, problem] of problems) {
      // The survivor's own incident counts unless a lookback gap ends it (the planner resolves it then).
      const current = open.get(fingerprint);
      const own = current && current.lastSeenAt >= since ? current : undefined;
      const merged = [...problem.aliases.keys()]
        .map((f) => aliasOpen.get(f))
        .filter((incident): incident is OpenIncident => incident !== undefined && incident.lastSeenAt >= since);
      if (merged.length === 0) continue;
      const all = [...(own ? [own] : []), ...merged].sort((a, b) => a.firstSeenAt - b.firstSeenAt || a.number - b.number);
      const survivor = all[0] as OpenIncident;
      for (const other of all.slice(1)) {
        const patternId = problem.aliases.get(other.fingerprint) ?? "of this problem";
        if (await this.mergeInto(other, survivor, patternId)) open.delete(other.fingerprint);
      }
      if (survivor === own) continue;
      open.set(survivor.fingerprint, survivor);
      const reason = `its error pattern absorbed ${problem.aliases.get(survivor.fingerprint)}, which this incident opened with`;
      for (const signal of problem.signals)
        targets.set(signal.id, { fingerprint: survivor.fingerprint, reason, why: "merged-pattern" });
      this.options.count?.("joined");
    }
    return targets;
  }

  private async mergeInto(other: OpenIncident, survivor: OpenIncident, patternId: string): Promise<boolean> {
    if (!this.merge) return false;
    try {
      await this.merge(
        other.id,
        survivor.id,
        `its error pattern ${patternId} merged into the pattern of this problem (a word in it is a parameter)`,
        PATTERN_MERGE,
      );
      this.options.count?.("merged");
      return true;
    } catch (error) {
      // Another replica merged it, or a person resolved it meanwhile: it stays as it is.
      this.options.count?.("failed");
      this.options.logger?.warn({ err: error, incidentId: other.id }, "incident of a merged pattern not merged");
      return false;
    }
  }
}
