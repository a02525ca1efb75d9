import type { Logger } from "pino";
import type { Clock } from "../core/clock.ts";
import { isSluiceError } from "../core/errors.ts";
import type { Store } from "../store/store.ts";
import type { LifecycleService } from "./lifecycle-service.ts";

/**
 * Anomaly sources never say "resolved", so an anomaly incident with no signal for the quiet period
 * resolves itself, through the same lifecycle path as a human would.
 */
export class QuietResolver {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: Store,
    private readonly lifecycle: LifecycleService,
    private readonly clock: Clock,
    private readonly quietMs: number,
    private readonly logger: Logger,
  ) {}

  start(intervalMs = 30_000): void {
    this.timer ??= setInterval(() => {
      this.sweep().catch((error) => this.logger.error({ err: error }, "auto-resolve sweep failed"));
    }, intervalMs);
    this.timer.unref();
  }

  shutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * Resolves anomaly incidents quiet for longer than the quiet period; returns how many. A flapping
   * incident (reopened within the last hour) must stay quiet longer: one more quiet period per reopen,
   * up to four, so it does not page again and again for one unstable problem.
   */
  async sweep(now: number = this.clock.now()): Promise<number> {
    let resolved = 0;
    // Bounded per sweep; what is left waits for the next one.
    for (const incident of await this.store.incidents.quietAnomalies(now - this.quietMs, 500)) {
      const reopens = (await this.store.incidents.timeline(incident.id)).filter(
        (entry) => entry.action === "reopened" && now - entry.at < FLAP_WINDOW_MS,
      ).length;
      const required = this.quietMs * Math.min(MAX_DAMPING, 1 + reopens);
      if (now - incident.lastSeenAt < required) continue;
      const minutes = Math.round((now - incident.lastSeenAt) / 60_000);
      const damped = reopens > 0 ? `; flapping (${reopens} reopen(s) in the last hour), so it waited longer` : "";
      try {
        await this.lifecycle.apply(incident.id, "resolve", {
          actor: "sluice:auto-resolve",
          reason: `no signal for ${minutes} min (quiet period)${damped}`,
        });
        resolved++;
      } catch (error) {
        // A human or a new signal got there first; the next sweep looks again.
        if (!isSluiceError(error)) throw error;
      }
    }
    return resolved;
  }
}

const FLAP_WINDOW_MS = 3_600_000;
const MAX_DAMPING = 4;
