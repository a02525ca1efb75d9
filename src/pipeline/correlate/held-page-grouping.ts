import type { Logger } from "pino";
import { SluiceError } from "../../core/errors.ts";
import { type Incident, incidentKey } from "../../core/incident.ts";
import type { OpenIncident, Store } from "../../core/ports/store.ts";
import { MERGE_ACTOR, mergedIntoKey } from "../../core/timeline.ts";
import type { MergeKind } from "../../lifecycle/lifecycle-service.ts";
import { fingerprintOf } from "./fingerprint.ts";
import { PAGE_HELD } from "./first-page-hold.ts";
import type { MergeIncidents } from "./merged-pattern-incidents.ts";

export interface HeldPageGroupingOptions {
  store: Pick<Store, "incidents">;
  /**
   * Patterns whose open incident this one's could be grouped with: its live near siblings, and the
   * pattern it merged into with that pattern's other aliases (PatternCatalog.sameProblemCandidates).
   */
  candidatesOf(patternId: string): readonly string[] | Promise<readonly string[]>;
  /** Incidents whose last signal is older than this are not grouped into (anomaly.lookbackWindow). */
  lookbackMs: number;
  /** Resolves the held incident as merged into the open one, telling its tickets (LifecycleService.merge). */
  merge: MergeIncidents;
  logger?: Pick<Logger, "warn" | "info">;
  /** Counts what happened, for metrics. */
  count?(outcome: "grouped" | "paged" | "failed"): void;
}

export const SETTLE_GROUP: MergeKind = {
  rule: "settle window, patterns.settleAction group: at the end of the window, a held incident whose message is an open incident's but for a word (same tenant, service and environment) joins it instead of paging; the error patterns stay separate",
  action: "pattern-merged",
};

/**
 * The decision at the end of the settle window (issue 17). FirstPageHold held this incident's first
 * ticket because its error pattern is a near sibling of an open incident's: the same message but for a
 * lowercase word or two. If the miner merged the patterns meanwhile, the incident has joined that one
 * already. If it did not (three names in one place can still be an enumeration, so the miner is right to
 * wait), the patterns stay apart, but the *incident* is still the same message on the same service while
 * the first one is open: paging it would be the second page of one problem. So, as content-based alert
 * grouping does (PagerDuty's content-based grouping, Sentry's fingerprint rules), it is grouped into the
 * open incident: resolved as merged into it (its tickets never created, its signals kept and linked),
 * the open incident's tickets told once with the variant's message, both timelines saying why.
 *
 * It pages as its own when the open incident resolved during the window, went quiet past the lookback
 * window, or opened after it (never group an older incident into a newer one).
 *
 * The outbox worker asks this when it claims the held create delivery, that is at the hold's end. The
 * claim is leased to one worker of one replica, and the merge is a versioned write of the held incident
 * (resolving it twice fails), so a crash before or after it only means the next claim decides again or
 * finds the incident merged away; two replicas never both merge it.
 */
export class HeldPageGrouping {
  constructor(private readonly options: HeldPageGroupingOptions) {}

  /** True when the incident was grouped into an open one (its first ticket must not be sent). */
  async settle(incident: Incident, now: number): Promise<boolean> {
    if (!incident.patternId || incident.state === "resolved") return false;
    const ids = (await this.options.candidatesOf(incident.patternId)).filter((id) => id !== incident.patternId);
    if (ids.length === 0) return false;
    const byFingerprint = new Map(ids.map((id) => [fingerprintOf(incident, id), id]));
    byFingerprint.delete(incident.fingerprint);
    if (byFingerprint.size === 0) return false;
    const open = await this.options.store.incidents.findOpen([...byFingerprint.keys()]);
    const since = now - this.options.lookbackMs;
    const candidates = [...open.values()]
      .filter((other) => other.id !== incident.id && other.state !== "resolved" && other.lastSeenAt >= since)
      .filter((other) => openedBefore(other, incident))
      .sort((a, b) => a.firstSeenAt - b.firstSeenAt || a.number - b.number);
    const into = candidates[0];
    if (!into) {
      this.options.count?.("paged");
      return false;
    }
    // Only a first ticket that was held waits for this decision; any other create (retried, say) goes out.
    const timeline = await this.options.store.incidents.timeline(incident.id);
    if (!timeline.some((event) => event.actor === PAGE_HELD.actor && event.action === PAGE_HELD.action)) return false;
    const intoKey = incidentKey(into.number);
    const reason = `same message but for a word ("${incident.errorPattern}", error pattern ${incident.patternId} beside ${byFingerprint.get(into.fingerprint)}), same service and environment, while ${intoKey} was open: grouped at the end of the settle window instead of paging again`;
    try {
      await this.options.merge(incident.id, into.id, reason, SETTLE_GROUP);
    } catch (error) {
      // Another worker grouped it (another platform's create), or a person resolved it meanwhile.
      const after = await this.options.store.incidents.timeline(incident.id);
      const merged = after.some((event) => event.action === "resolved" && event.actor === MERGE_ACTOR);
      if (merged) return true;
      // A database that failed mid-way: the delivery is tried again (and this decided again) later, rather
      // than paging on a guess. A refusal of the merge itself (the open incident is gone): it pages.
      if (!(error instanceof SluiceError)) throw error;
      this.options.count?.("failed");
      this.options.logger?.warn({ err: error, incidentId: incident.id }, "held incident not grouped; it pages");
      return false;
    }
    this.options.count?.("grouped");
    this.options.logger?.info({ incident: incident.key, into: intoKey }, "held incident grouped into an open one");
    return true;
  }
}

function openedBefore(other: OpenIncident, incident: Incident): boolean {
  return (
    other.firstSeenAt < incident.firstSeenAt || (other.firstSeenAt === incident.firstSeenAt && other.number < incident.number)
  );
}

/** A signal as the runner prepared it (PreparedSignal): enough to say whether it would open or reopen an incident. */
export interface GroupedVariantSignal {
  signal: { id: string; status: string };
  fingerprint: string;
  verdict: { pass: boolean };
}

/** Where a later signal of a grouped variant goes (the runner's JoinTarget). */
export interface GroupedVariantTarget {
  fingerprint: string;
  reason: string;
  why: "merged-pattern";
}

/**
 * Whether a recently resolved incident was grouped at the end of its settle window, and into which incident
 * (its key), from the resolve entry of its timeline.
 */
export function groupedIntoOf(resolve: { actor: string; rule: string | null; detail: string } | undefined): string | null {
  if (!resolve || resolve.actor !== MERGE_ACTOR || resolve.rule !== SETTLE_GROUP.rule) return null;
  return mergedIntoKey(resolve.detail);
}

/**
 * After a held variant was grouped, its error pattern stays apart, so its next signal finds no open incident
 * of its own; reopening the grouped one (no ticket: it never paged) or opening another would undo the
 * grouping. So the signal joins the incident it was grouped into while that one is open and within the
 * lookback window; otherwise the grouped incident is dropped from what may be reopened and a new incident
 * opens (and is held, then grouped or paged, as any near sibling).
 */
export class GroupedVariantJoins {
  constructor(private readonly options: { store: Pick<Store, "incidents">; lookbackMs: number }) {}

  /**
   * `grouped`: by fingerprint, the key of the incident the fingerprint's recently resolved incident was grouped
   * into. Adds the open ones to `open` and deletes the others from `recent`; returns join targets by signal id.
   */
  async joins(
    prepared: readonly GroupedVariantSignal[],
    grouped: ReadonlyMap<string, string>,
    open: Map<string, OpenIncident>,
    recent: Map<string, OpenIncident>,
    now: number,
  ): Promise<Map<string, GroupedVariantTarget>> {
    const targets = new Map<string, GroupedVariantTarget>();
    const since = now - this.options.lookbackMs;
    const into = new Map<string, OpenIncident | null>();
    for (const key of new Set(grouped.values())) {
      const incident = await this.options.store.incidents.get(key);
      const current =
        incident && incident.state !== "resolved"
          ? (await this.options.store.incidents.findOpen([incident.fingerprint])).get(incident.fingerprint)
          : undefined;
      into.set(key, current && current.lastSeenAt >= since ? current : null);
    }
    for (const [fingerprint, key] of grouped) {
      const survivor = into.get(key);
      if (!survivor) {
        recent.delete(fingerprint);
        continue;
      }
      open.set(survivor.fingerprint, survivor);
      for (const p of prepared) {
        if (p.fingerprint !== fingerprint || !p.verdict.pass || p.signal.status !== "firing" || open.has(p.fingerprint)) continue;
        targets.set(p.signal.id, {
          fingerprint: survivor.fingerprint,
          reason: `its message is this incident's but for a word; an earlier incident of it was grouped into ${key} at the end of its settle window`,
          why: "merged-pattern",
        });
      }
    }
    return targets;
  }
}
