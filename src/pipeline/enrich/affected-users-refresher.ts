import type { Logger } from "pino";
import type { Store } from "../../core/ports/store.ts";
import type { LifecycleService } from "../../lifecycle/lifecycle-service.ts";
import { AFFECTED_USERS_CAP, countAffectedUsers } from "./affected-users.ts";

export interface AffectedUsersRefresherOptions {
  store: Store;
  lifecycle: Pick<LifecycleService, "updateContext">;
  logger: Logger;
  /** How long to gather joins before recounting: one recount per incident per interval, however many signals. */
  intervalMs?: number;
  /** Most incidents waiting for a recount; beyond it new ones are shed (and counted). */
  maxPending?: number;
  count?(outcome: "updated" | "unchanged" | "failed" | "shed"): void;
}

/**
 * Keeps `context.affectedUsers` current as signals naming users join an incident. The count is
 * recomputed from the stored signals (not kept in memory), so every replica arrives at the same number.
 */
export class AffectedUsersRefresher {
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private readonly intervalMs: number;
  private readonly maxPending: number;

  constructor(private readonly options: AffectedUsersRefresherOptions) {
    this.intervalMs = options.intervalMs ?? 2000;
    this.maxPending = options.maxPending ?? 10_000;
  }

  /** Marks incidents for a recount; called after each commit. */
  touch(incidentIds: readonly string[]): void {
    if (this.stopped) return;
    for (const id of incidentIds) {
      if (this.pending.size >= this.maxPending && !this.pending.has(id)) {
        this.options.count?.("shed");
        continue;
      }
      this.pending.add(id);
    }
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.running = this.flush();
    }, this.intervalMs);
  }

  /** Recounts everything pending now. */
  async flush(): Promise<void> {
    if (this.running) await this.running;
    const ids = [...this.pending];
    this.pending.clear();
    for (const id of ids) await this.recount(id);
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush();
  }

  private async recount(incidentId: string): Promise<void> {
    try {
      const incident = await this.options.store.incidents.get(incidentId);
      if (!incident) return;
      // At the cap the count cannot grow: no need to read thousands of signals again on every join.
      if (incident.context.affectedUsers?.capped) {
        this.options.count?.("unchanged");
        return;
      }
      // Enough signals to find the cap's worth of distinct users in all but pathological incidents.
      const signals = await this.options.store.incidents.signals(incidentId, AFFECTED_USERS_CAP * 5);
      const users = countAffectedUsers(signals.slice().reverse());
      const before = incident.context.affectedUsers;
      if (before && before.count === users.count && before.capped === users.capped) {
        this.options.count?.("unchanged");
        return;
      }
      await this.options.lifecycle.updateContext(incidentId, { affectedUsers: users });
      this.options.count?.("updated");
    } catch (error) {
      this.options.count?.("failed");
      this.options.logger.warn({ err: error, incidentId }, "recounting affected users failed; the incident keeps its last count");
    }
  }
}
