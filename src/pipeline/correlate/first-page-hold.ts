import { incidentKey } from "../../core/incident.ts";
import type { NewIncident, Store } from "../../core/ports/store.ts";
import type { BatchPlan } from "./decisions.ts";
import { fingerprintOf } from "./fingerprint.ts";

export interface FirstPageHoldOptions {
  store: Pick<Store, "incidents">;
  /** Live patterns that could still merge with this one (PatternCatalog.nearSiblingsOf). */
  nearSiblingsOf(patternId: string): readonly string[];
  /** Longest a first page waits for its pattern to merge (patterns.settleWindow); 0 turns holding off. */
  waitMs: number;
  /** Incidents whose last signal is older than this take no part in merges (anomaly.lookbackWindow). */
  lookbackMs: number;
}

/** The timeline entry that says a first page waits (HeldPageGrouping decides only for those). */
export const PAGE_HELD = { actor: "sluice:settle", action: "page-held" } as const;

/**
 * No second page for one problem (issue 17). The miner can split a problem's first variants ("role
 * alice", "role bob") before it has seen that the word is a name; when their patterns merge, their
 * incidents merge into the oldest (MergedPatternIncidents), whose ticket went out first. A variant's
 * incident that paged in between would be the second page. So, in the batch that opens it, an incident
 * whose error pattern is a *near sibling* of the pattern of an open incident of the same tenant, service
 * and environment (same length, different only in lowercase words at one or two places: exactly what a
 * merge can fold together) has its first ticket written to wait `waitMs`. If the patterns merge meanwhile,
 * the incident is resolved into the open one and the worker never sends its ticket; if not, it pages
 * then, late by at most `waitMs`.
 *
 * Everything else pages at once: the first variant of a problem (no open sibling), a new problem whose
 * pattern differs otherwise (another length, a capitalised word, more places), and signals a source
 * named (alerts: no mined pattern). The hold is the create delivery's `notBefore`, stored with the
 * incident in one transaction, so it survives a crash and binds every replica's worker.
 */
export class FirstPageHold {
  constructor(private readonly options: FirstPageHoldOptions) {}

  /** Holds the first tickets of the plan's opened incidents that have an open near sibling. */
  async apply(plan: BatchPlan, now: number): Promise<void> {
    const { waitMs } = this.options;
    if (waitMs <= 0 || plan.opened.length === 0) return;
    // Per opened incident with a mined pattern: the fingerprints its near siblings' incidents would have.
    const asked: { incident: NewIncident; order: number; siblings: Map<string, string> }[] = [];
    plan.opened.forEach((incident, order) => {
      if (!incident.patternId) return;
      const ids = this.options.nearSiblingsOf(incident.patternId);
      if (ids.length === 0) return;
      asked.push({ incident, order, siblings: new Map(ids.map((id) => [fingerprintOf(incident, id), id])) });
    });
    if (asked.length === 0) return;
    // Opened earlier in this batch counts as open: its page goes out first.
    const openedBefore = new Map<string, { key: string; at: number }>();
    plan.opened.forEach((incident, index) => {
      openedBefore.set(incident.fingerprint, { key: `an incident opened in the same batch (#${index + 1})`, at: index });
    });
    const wanted = [...new Set(asked.flatMap((a) => [...a.siblings.keys()]))].filter((f) => !openedBefore.has(f));
    const open = wanted.length > 0 ? await this.options.store.incidents.findOpen(wanted) : new Map();
    const since = now - this.options.lookbackMs;
    const until = now + waitMs;
    for (const { incident, order, siblings } of asked) {
      let sibling: { patternId: string; incident: string } | undefined;
      for (const [fingerprint, patternId] of siblings) {
        const stored = open.get(fingerprint);
        if (stored && stored.lastSeenAt >= since) {
          sibling = { patternId, incident: incidentKey(stored.number) };
          break;
        }
        const same = openedBefore.get(fingerprint);
        if (same && same.at < order) {
          sibling = { patternId, incident: same.key };
          break;
        }
      }
      if (!sibling) continue;
      let held = false;
      for (const delivery of plan.changes.deliveries) {
        if (delivery.incidentId !== incident.id || delivery.action !== "create") continue;
        delivery.notBefore = until;
        held = true;
      }
      if (!held) continue;
      plan.changes.timeline.push({
        incidentId: incident.id,
        at: now,
        actor: PAGE_HELD.actor,
        action: PAGE_HELD.action,
        detail: `first ticket held until ${new Date(until).toISOString()}: its error pattern may yet merge with ${sibling.patternId} (the same message but for a name), whose incident ${sibling.incident} is open; if they merge, this incident joins that one and pages nobody`,
        rule: "settle window: a new pattern that differs from an open incident's only in lowercase words waits patterns.settleWindow",
      });
    }
  }
}
