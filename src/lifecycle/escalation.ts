import type { Logger } from "pino";
import type { Clock } from "../core/clock.ts";
import { isSluiceError } from "../core/errors.ts";
import type { Incident } from "../core/incident.ts";
import { emptyChangeSet, type Store, type Timer } from "../core/ports/store.ts";
import { type EscalationPolicy, incidentFacts, policyFor } from "./escalation-levels.ts";
import type { LifecycleService } from "./lifecycle-service.ts";

export { type EscalationPolicy, policyFor } from "./escalation-levels.ts";

const LEASE_MS = 60_000;

/**
 * Fires escalation timers: an incident still unacknowledged when its timer is due escalates through
 * the lifecycle (every linked ticket hears of it), and the next step is scheduled until `repeat`.
 * The audit finds unresolved incidents that should have a timer and do not (a reopen, a crash between
 * firing and scheduling, a policy added later) and schedules it, due at once when it is overdue.
 */
export class EscalationTimers {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: Store,
    private readonly lifecycle: LifecycleService,
    private readonly clock: Clock,
    private readonly policies: readonly EscalationPolicy[],
    private readonly logger: Logger,
  ) {}

  start(intervalMs = 5_000): void {
    if (this.policies.length === 0) return;
    this.timer ??= setInterval(() => {
      this.tick().catch((error) => this.logger.error({ err: error }, "escalation round failed"));
    }, intervalMs);
    this.timer.unref();
  }

  shutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One round: audit, then fire what is due. Returns the escalations fired. */
  async tick(now: number = this.clock.now()): Promise<number> {
    await this.audit(now);
    return this.fireDue(now);
  }

  async fireDue(now: number): Promise<number> {
    let fired = 0;
    for (const due of await this.store.timers.claimDue(now, 100, LEASE_MS)) {
      if (await this.fire(due, now)) fired++;
      await this.store.timers.complete(due.id);
    }
    return fired;
  }

  async audit(now: number): Promise<number> {
    if (this.policies.length === 0) return 0;
    const changes = emptyChangeSet();
    for (const incident of await this.store.timers.incidentsWithoutTimer("escalate", 500)) {
      const policy = policyFor(incidentFacts(incident), this.policies);
      if (!policy || incident.escalationLevel >= policy.repeat) continue;
      const dueAt = Math.max(now, incident.createdAt + policy.after * (incident.escalationLevel + 1));
      changes.timers.push({ kind: "escalate", incidentId: incident.id, step: incident.escalationLevel + 1, dueAt });
    }
    if (changes.timers.length > 0) await this.store.apply(changes);
    return changes.timers.length;
  }

  private async fire(due: Timer, now: number): Promise<boolean> {
    // Checked on this read and again on every write attempt: someone may acknowledge in between, and a
    // step already taken (the timer fired before a crash kept it from completing) is not taken twice.
    const overtaken = (current: Incident): string | null => {
      if (!this.stillUnacknowledged(current)) return `${current.key} was ${current.state} before it escalated`;
      return current.escalationLevel >= due.step ? `${current.key} already took escalation step ${due.step}` : null;
    };
    const incident = await this.store.incidents.get(due.incidentId);
    if (!incident || overtaken(incident)) return false;
    const policy = policyFor(incidentFacts(incident), this.policies);
    if (!policy || due.step > policy.repeat) return false;
    const minutes = Math.round(policy.after / 60_000);
    try {
      await this.lifecycle.apply(
        incident.id,
        "escalate",
        {
          actor: "sluice:escalation",
          reason: `not acknowledged within ${minutes} min; escalation ${due.step} of ${policy.repeat} (policy "${policy.name}")`,
        },
        overtaken,
      );
    } catch (error) {
      if (isSluiceError(error) && (error.code === "INVALID_TRANSITION" || error.code === "CONFLICT")) return false;
      throw error;
    }
    if (due.step < policy.repeat) {
      const changes = emptyChangeSet();
      changes.timers.push({ kind: "escalate", incidentId: incident.id, step: due.step + 1, dueAt: now + policy.after });
      await this.store.apply(changes);
    }
    return true;
  }

  private stillUnacknowledged(incident: Incident): boolean {
    return incident.state === "open" || incident.state === "escalated";
  }
}
