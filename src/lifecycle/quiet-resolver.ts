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

  /** Resolves every anomaly incident quiet for longer than the quiet period; returns how many. */
  async sweep(now: number = this.clock.now()): Promise<number> {
    let resolved = 0;
    for (;;) {
      const quiet = await this.store.incidents.quietAnomalies(now - this.quietMs, 100);
      if (quiet.length === 0) return resolved;
      for (const incident of quiet) {
        const minutes = Math.round((now - incident.lastSeenAt) / 60_000);
        try {
          await this.lifecycle.apply(incident.id, "resolve", {
            actor: "sluice:auto-resolve",
            reason: `no signal for ${minutes} min (quiet period)`,
          });
          resolved++;
        } catch (error) {
          // A human or a new signal got there first; the next sweep looks again.
          if (!isSluiceError(error)) throw error;
        }
      }
      if (quiet.length < 100) return resolved;
    }
  }
}
