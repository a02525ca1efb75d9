import type { Logger } from "pino";
import type { Clock } from "../core/clock.ts";
import { isSluiceError } from "../core/errors.ts";
import type { Store } from "../core/ports/store.ts";
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
   * Resolves anomaly incidents whose quiet is confirmed over two windows; returns how many. The first
   * sweep that finds an incident quiet for the quiet period notes it in the timeline; a sweep at least
   * half a quiet period later that still finds it quiet resolves it. A flapping incident (reopened
   * within the last hour) must stay quiet longer: one more quiet period per reopen, up to four.
   */
  async sweep(now: number = this.clock.now()): Promise<number> {
    let resolved = 0;
    // Bounded per sweep; what is left waits for the next one.
    for (const incident of await this.store.incidents.quietAnomalies(now - this.quietMs, 500)) {
      const timeline = await this.store.incidents.timeline(incident.id);
      const reopens = timeline.filter((entry) => entry.action === "reopened" && now - entry.at < FLAP_WINDOW_MS).length;
      const required = this.quietMs * Math.min(MAX_DAMPING, 1 + reopens);
      if (now - incident.lastSeenAt < required) continue;
      const minutes = Math.round((now - incident.lastSeenAt) / 60_000);
      // The note is durable, so whichever replica sweeps next can confirm it.
      const noticed = timeline.findLast((entry) => entry.action === QUIET_NOTICED && entry.at > incident.lastSeenAt);
      if (!noticed) {
        await this.lifecycle.recordEvent(
          incident.id,
          "sluice:auto-resolve",
          QUIET_NOTICED,
          `no signal for ${minutes} min; resolves when the next check confirms it`,
        );
        continue;
      }
      if (now - noticed.at < this.quietMs / 2) continue;
      const damped = reopens > 0 ? `; flapping (${reopens} reopen(s) in the last hour), so it waited longer` : "";
      try {
        // A signal joining between this read and the write is no reason to retry the resolve.
        const lastSeenAt = incident.lastSeenAt;
        await this.lifecycle.apply(
          incident.id,
          "resolve",
          {
            actor: "sluice:auto-resolve",
            reason: `no signal for ${minutes} min, confirmed over two checks (quiet period)${damped}`,
          },
          (fresh) => (fresh.lastSeenAt > lastSeenAt ? `${fresh.key} got a signal while being auto-resolved` : null),
        );
        resolved++;
      } catch (error) {
        // A human or a new signal got there first; the next sweep looks again.
        if (!isSluiceError(error)) throw error;
      }
    }
    return resolved;
  }
}

const QUIET_NOTICED = "quiet";
const FLAP_WINDOW_MS = 3_600_000;
const MAX_DAMPING = 4;
