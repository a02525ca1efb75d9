import type { AffectedUsers } from "../../core/enrichment.ts";
import type { Signal } from "../../core/signal.ts";
import type { EnrichmentProvider } from "./enricher.ts";

/** Distinct ids kept exactly; beyond it the count says "at least". */
export const AFFECTED_USERS_CAP = 1000;
const SAMPLE = 10;

/** Distinct user ids across signals, in first-seen order, capped. */
export function countAffectedUsers(signals: readonly Pick<Signal, "affectedUsers">[]): AffectedUsers {
  const seen = new Set<string>();
  let capped = false;
  for (const signal of signals) {
    for (const user of signal.affectedUsers) {
      if (seen.has(user)) continue;
      if (seen.size >= AFFECTED_USERS_CAP) {
        capped = true;
        break;
      }
      seen.add(user);
    }
  }
  return { count: seen.size, capped, sample: [...seen].slice(0, SAMPLE) };
}

/** The users the opening signal names; later signals add theirs through the refresher. */
export const affectedUsersProvider: EnrichmentProvider = {
  name: "affected-users",
  essential: true,
  enrich: ({ signal }) => (signal.affectedUsers.length > 0 ? { affectedUsers: countAffectedUsers([signal]) } : {}),
};
