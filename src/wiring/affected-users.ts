import type { LifecycleService } from "../lifecycle/lifecycle-service.ts";
import { AffectedUsersRefresher } from "../pipeline/enrich/affected-users-refresher.ts";
import type { Base } from "./base.ts";
import type { Module } from "./module.ts";

/** Recounts affected users of the incidents a batch gave signals naming users (BatchCommitted). */
export function wireAffectedUsers(
  { store, logger, events }: Base,
  lifecycle: LifecycleService,
): { affectedUsers: AffectedUsersRefresher; module: Module } {
  const affectedUsers = new AffectedUsersRefresher({ store, lifecycle, logger });
  events.subscribe("BatchCommitted", "affected-users", (batch) => {
    const naming = batch.incidents.filter((incident) => incident.namingUsers > 0).map((incident) => incident.id);
    if (naming.length > 0) affectedUsers.touch(naming);
  });
  return {
    affectedUsers,
    module: { name: "affected-users", flush: () => affectedUsers.flush(), shutdown: () => affectedUsers.shutdown() },
  };
}
