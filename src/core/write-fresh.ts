import { isDeepStrictEqual } from "node:util";
import { backoffAfterConflict } from "./conflict-backoff.ts";
import { isSluiceError } from "./errors.ts";
import type { Incident } from "./incident.ts";
import type { ChangeSet, Store } from "./ports/store.ts";

// Races a write may lose to real changes of the incident (people, platforms, other replicas' decisions)
// before it gives up with CONFLICT.
const REAL_CONFLICTS = 3;
// Races lost to signals joining the incident (a storm bumps its version every batch) do not count toward
// those: they change nothing a lifecycle action or a summary decides on. This only bounds the loop.
const MAX_ATTEMPTS = 50;

/**
 * Reads an incident, builds a change set from it and writes it at the version it read; when someone
 * changed the incident in between (CONFLICT), reads it again and rebuilds. Gives up with CONFLICT after
 * three races lost to real changes. Returns the incident and the change set that was written, or null
 * when the incident does not exist.
 */
export async function writeFresh(
  store: Store,
  idOrKey: string,
  build: (incident: Incident) => ChangeSet,
): Promise<{ incident: Incident; changes: ChangeSet } | null> {
  let lost: Incident | null = null;
  let realConflicts = 0;
  for (let attempt = 1; ; attempt++) {
    const incident = await store.incidents.get(idOrKey);
    if (!incident) return null;
    if (lost && changedBeyondCounts(lost, incident)) realConflicts++;
    const changes = build(incident);
    try {
      await store.apply(changes);
      return { incident, changes };
    } catch (error) {
      const conflict = isSluiceError(error) && error.code === "CONFLICT";
      if (!conflict || realConflicts >= REAL_CONFLICTS - 1 || attempt >= MAX_ATTEMPTS) throw error;
      lost = incident;
      await backoffAfterConflict(attempt);
    }
  }
}

/** Whether an incident changed in more than what joining signals change (their count and times). */
function changedBeyondCounts(before: Incident, after: Incident): boolean {
  const { signalCount: _a, lastSeenAt: _b, updatedAt: _c, version: _d, ...rest } = before;
  const { signalCount: _e, lastSeenAt: _f, updatedAt: _g, version: _h, ...restAfter } = after;
  return !isDeepStrictEqual(rest, restAfter);
}
