import type { Logger } from "pino";
import type { Clock } from "../../core/clock.ts";
import type { SyncPoller } from "../../core/inbound.ts";
import type { Store } from "../../core/ports/store.ts";
import type { InboundSync } from "./inbound-sync.ts";

/** Each poll looks back this much further than the last one, so a change at the boundary is never missed. */
const OVERLAP_MS = 60_000;
const MAX_TICKETS = 1000;

/**
 * Runs the platforms' pollers: asks each about the linked tickets of unresolved incidents and feeds
 * what changed through the same inbound path as webhooks (echoes and repeats are no-ops there).
 */
export class PollRunner {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly lastPoll = new Map<string, number>();

  constructor(
    private readonly pollers: readonly SyncPoller[],
    private readonly store: Store,
    private readonly sync: InboundSync,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  start(): void {
    for (const poller of this.pollers) {
      const timer = setInterval(() => {
        this.pollOnce(poller).catch((error) => this.logger.error({ err: error, platform: poller.platform }, "poll failed"));
      }, poller.intervalMs);
      timer.unref();
      this.timers.push(timer);
    }
  }

  shutdown(): void {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
  }

  /** One poll of one platform; returns how many events it applied or recognised. */
  async pollOnce(poller: SyncPoller): Promise<number> {
    const now = this.clock.now();
    // The first poll after a start looks back one interval: what changed while Sluice was down is read then.
    const since = (this.lastPoll.get(poller.platform) ?? now - poller.intervalMs) - OVERLAP_MS;
    const tickets = await this.store.incidents.linkedTickets(poller.platform, MAX_TICKETS);
    if (tickets.length === 0) {
      this.lastPoll.set(poller.platform, now);
      return 0;
    }
    const events = await poller.poll(tickets, since);
    for (const event of events) await this.sync.apply(poller.platform, event);
    this.lastPoll.set(poller.platform, now);
    return events.length;
  }

  pollerFor(platform: string): SyncPoller | undefined {
    return this.pollers.find((poller) => poller.platform === platform);
  }
}
