import type { Logger } from "pino";
import type { Connector, DeliveryResult, EscalationOrder } from "../connectors/connector.ts";
import type { BackgroundShare } from "../core/background-share.ts";
import { CircuitBreaker } from "../core/circuit-breaker.ts";
import type { Clock } from "../core/clock.ts";
import type { Delivery } from "../core/delivery.ts";
import type { Incident } from "../core/incident.ts";
import type { DeliveredRecord, Store } from "../core/ports/store.ts";
import type { Ticket } from "../core/ticket.ts";
import { MERGE_ACTOR } from "../core/timeline.ts";
import type { EscalationOrders } from "../lifecycle/escalation-levels.ts";
import { type BackoffPolicy, nextDelayMs } from "./backoff.ts";
import type { DeliveryMetrics } from "./delivery-metrics.ts";
import { type FrozenRequest, freezeRequests } from "./frozen-request.ts";
import { TokenBucket } from "./token-bucket.ts";

export interface OutboxWorkerOptions {
  store: Store;
  connectors: ReadonlyMap<string, Connector>;
  clock: Clock;
  metrics: DeliveryMetrics;
  logger: Logger;
  backoff: BackoffPolicy;
  maxAttempts: number;
  concurrency: number;
  breakerThreshold: number;
  breakerCooldownMs: number;
  /** Requests per second per platform; platforms not named are not limited. */
  rateLimits?: Readonly<Record<string, number>>;
  /** Link to an incident in Sluice, for tickets; null without a public URL. */
  incidentUrl(incident: Incident): string | null;
  /** What the incident's escalation level asks of a platform on escalate (reassign, priority). */
  escalationOrder?: EscalationOrders;
  /** Idle poll interval; wake() cuts it short when new rows are queued. */
  pollMs?: number;
  /**
   * Acknowledgements first: while requests saturate the process, a round waits for background work's turn
   * (src/core/background-share.ts). It does not lengthen the pause itself: a round's time is mostly its
   * waits on the platforms, not the event loop's, and the share follows the loop's measured utilization,
   * which counts what the rounds take of it.
   */
  share?: Pick<BackgroundShare, "turn">;
}

/**
 * Asked before an incident's first ticket is created; true when the incident was settled otherwise (grouped
 * into an open incident at the end of its settle window, issue 17) and its create must not be sent.
 */
export type FirstPageCheck = (incident: Incident, now: number) => Promise<boolean>;

/** A delivery ready to be frozen and sent. */
interface Ready {
  delivery: Delivery;
  connector: Connector;
  ticket: Ticket | null;
  fresh: FrozenRequest;
}

// Longer than a round can take (timeouts × rounds of `concurrency`), so no row is sent by two rounds at once.
const LEASE_MS = 120_000;

/** Claims due outbox rows, calls connectors, and records the outcome: delivered, retry later, or dead. */
export class OutboxWorker {
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly buckets = new Map<string, TokenBucket>();
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private woken = false;
  private round: Promise<boolean> | null = null;
  private firstPageCheck: FirstPageCheck | null = null;

  constructor(private readonly options: OutboxWorkerOptions) {}

  /** Sets what is asked before a first ticket goes out (ingest, which knows the patterns, is wired after this). */
  useFirstPageCheck(check: FirstPageCheck): void {
    this.firstPageCheck = check;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** New rows were queued: look now instead of at the next poll. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Delivers everything due now (and what that makes due); for tests, replays and shutdown. */
  async flush(): Promise<void> {
    while (await this.runOnce()) {
      /* keep going while rows were due */
    }
  }

  async shutdown(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
  }

  breakerStatus(platform: string): string {
    return this.breakers.get(platform)?.status ?? "closed";
  }

  private async run(): Promise<void> {
    const pollMs = this.options.pollMs ?? 500;
    while (this.running) {
      let worked = false;
      await this.options.share?.turn();
      try {
        worked = await this.runOnce();
      } catch (error) {
        this.options.logger.error({ err: error }, "delivery loop failed; retrying after the poll interval");
      }
      // Rounds without network I/O (in-memory platforms) would otherwise follow each other in one turn.
      if (worked) await new Promise<void>((resolve) => setImmediate(resolve));
      if (worked || !this.running) continue;
      if (this.woken) {
        this.woken = false;
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeUp = null;
      this.woken = false;
    }
  }

  /**
   * One claim-and-deliver round; true when it found rows to work on. A caller that arrives while a
   * round runs waits for it and is told "worked", so flush() looks again instead of returning early.
   */
  private runOnce(): Promise<boolean> {
    if (this.round) return this.round.then(() => true);
    this.round = this.claimAndDeliver().finally(() => {
      this.round = null;
    });
    return this.round;
  }

  private async claimAndDeliver(): Promise<boolean> {
    const { store, clock, concurrency } = this.options;
    const now = clock.now();
    const blocked = [
      ...[...this.breakers.entries()].filter(([, breaker]) => !breaker.canAttempt(now)).map(([platform]) => platform),
      ...[...this.bucketsByPlatform()].filter(([, bucket]) => bucket.available(now) < 1).map(([platform]) => platform),
    ];
    const claimed = await store.deliveries.claim(now, concurrency * 8, LEASE_MS, blocked);
    if (claimed.length === 0) return false;
    const allowed: Delivery[] = [];
    for (const delivery of claimed) {
      // Over the platform's rate: give the row back untried; it goes out when the bucket refills.
      if (this.buckets.get(delivery.platform)?.take(now) === false) await store.deliveries.release(delivery.id);
      else allowed.push(delivery);
    }
    // The round's deliveries are prepared together: their incidents read with one query and their requests
    // frozen in one transaction (per group of `concurrency` that was a read and a write transaction per
    // four deliveries, most of a new incident's delivery cost in bookkeeping).
    const { ready, failures } = await this.prepareAll(allowed);
    for (let i = 0; i < ready.length; i += concurrency) {
      // What the platforms accepted is recorded for the whole group in one transaction (a commit per
      // delivery cost more than the rest of recording it); a crash before it only means a redelivery,
      // which the idempotency key and the frozen request make harmless, as before.
      // Every delivery of the group finishes before the record, so one that threw does not leave the
      // others' acceptance unrecorded; the first failure is raised after it.
      const accepted: DeliveredRecord[] = [];
      const sent = await Promise.allSettled(
        ready.slice(i, i + concurrency).map((item) => this.send(item, item.frozen, accepted)),
      );
      await store.deliveries.deliveredAll(accepted);
      const failed = sent.find((outcome) => outcome.status === "rejected");
      if (failed) throw failed.reason;
    }
    if (failures[0]) throw failures[0].reason;
    return allowed.length > 0;
  }

  /**
   * The round's deliveries side by side: their incidents read together, their requests frozen in one
   * transaction (a failure there fails the round before anything is sent). Per delivery that is what
   * deliverOne did before, in the same order; a delivery whose preparation failed is left out (its lease
   * runs out and a later round retries it) and its error is raised once the others are sent.
   */
  private async prepareAll(
    round: readonly Delivery[],
  ): Promise<{ ready: (Ready & { frozen: FrozenRequest })[]; failures: PromiseRejectedResult[] }> {
    const { store } = this.options;
    if (round.length === 0) return { ready: [], failures: [] };
    const incidents = await store.incidents.getMany(round.map((delivery) => delivery.incidentId));
    const prepared = await Promise.allSettled(
      round.map((delivery) => this.prepare(delivery, incidents.get(delivery.incidentId))),
    );
    const ready = prepared.flatMap((outcome) => (outcome.status === "fulfilled" && outcome.value ? [outcome.value] : []));
    const failures = prepared.filter((outcome): outcome is PromiseRejectedResult => outcome.status === "rejected");
    // Rendered once: every attempt of a delivery sends what the first one did (src/delivery/frozen-request.ts).
    const frozen = await freezeRequests(store.deliveries, ready);
    return { ready: ready.map((item, i) => ({ ...item, frozen: frozen[i] as FrozenRequest })), failures };
  }

  /** What a delivery needs before its request is frozen, or null when it is settled without sending. */
  private async prepare(delivery: Delivery, incident: Incident | undefined): Promise<Ready | null> {
    const { store, clock } = this.options;
    if (!incident) {
      await this.dead(delivery, `incident ${delivery.incidentId} no longer exists`);
      return null;
    }
    const connector = this.options.connectors.get(delivery.platform);
    if (!connector) {
      await this.dead(delivery, `no connector for ${delivery.platform}: it is not enabled in this configuration`);
      return null;
    }
    const ticket = await store.deliveries.ticket(incident.id, delivery.platform);
    if (
      delivery.action === "create" &&
      !ticket &&
      incident.state !== "resolved" &&
      this.firstPageCheck &&
      (await this.firstPageCheck(incident, clock.now()))
    ) {
      // Grouped into an open incident at the end of its settle window: that incident's ticket was told.
      this.options.logger.info(
        { platform: delivery.platform, delivery: delivery.id, incident: incident.key },
        "not sent: the incident was grouped into an open one at the end of its settle window",
      );
      await store.deliveries.delivered(delivery, clock.now(), null);
      return null;
    }
    if (!ticket && incident.state === "resolved" && (await this.mergedAway(incident.id))) {
      // Merged into another incident before its ticket went out: that incident's ticket is told, and paging for
      // this one now (then resolving it) would be the second page for one problem. Its signals stay stored.
      this.options.logger.info(
        { platform: delivery.platform, delivery: delivery.id, incident: incident.key, action: delivery.action },
        "not sent: the incident merged into another before its ticket was created",
      );
      await store.deliveries.delivered(delivery, clock.now(), null);
      return null;
    }
    if (delivery.action === "create" && ticket) {
      // The create went through before a crash kept us from recording it; nothing to send twice.
      await store.deliveries.delivered(delivery, clock.now(), null);
      return null;
    }
    if (delivery.action !== "create" && !ticket) {
      await this.dead(
        delivery,
        `no ${delivery.platform} ticket to ${delivery.action}: the create delivery failed; retry it first`,
      );
      return null;
    }
    const fresh: FrozenRequest = {
      incident,
      detail: delivery.detail,
      incidentUrl: this.options.incidentUrl(incident),
      renderedAt: clock.now(),
    };
    return { delivery, connector, ticket, fresh };
  }

  private async send({ delivery, connector, ticket }: Ready, frozen: FrozenRequest, accepted: DeliveredRecord[]): Promise<void> {
    const { store } = this.options;
    // Only comments carry a report (an investigation's); the row holds it, unchanged from attempt to attempt.
    const investigation = delivery.action === "comment" ? await store.deliveries.investigation(delivery.id) : null;
    let result: DeliveryResult;
    try {
      result = await connector.deliver({
        action: delivery.action,
        incident: frozen.incident,
        ticket,
        idempotencyKey: delivery.idempotencyKey,
        deliveryId: delivery.id,
        detail: frozen.detail,
        incidentUrl: frozen.incidentUrl,
        renderedAt: frozen.renderedAt,
        attempt: delivery.attempts,
        ...this.orderFor(delivery, frozen.incident),
        ...(investigation ? { investigation } : {}),
      });
    } catch (error) {
      // A connector that throws broke its contract; treat it as a transient failure and say so.
      this.options.logger.error({ err: error, platform: delivery.platform }, "connector threw instead of returning a result");
      result = { kind: "retryable", reason: `connector error: ${error instanceof Error ? error.message : String(error)}` };
    }
    // The ticket's synced state is the state the platform was told.
    await this.record(delivery, frozen.incident, result, accepted);
  }

  private orderFor(delivery: Delivery, incident: Incident): { escalation?: EscalationOrder } {
    if (delivery.action !== "escalate") return {};
    const order = this.options.escalationOrder?.(incident, delivery.platform);
    return order ? { escalation: order } : {};
  }

  private async record(
    delivery: Delivery,
    incident: Incident,
    result: DeliveryResult,
    accepted: DeliveredRecord[],
  ): Promise<void> {
    const { store, clock, metrics, logger } = this.options;
    const now = clock.now();
    const breaker = this.breakerFor(delivery.platform);
    if (result.kind === "delivered") {
      breaker.success();
      const ticket = result.ticket
        ? {
            incidentId: incident.id,
            platform: delivery.platform,
            externalId: result.ticket.externalId,
            url: result.ticket.url,
            syncedState: incident.state,
            meta: result.ticket.meta ?? {},
          }
        : null;
      accepted.push({ delivery, now, ticket });
      metrics.outcome(delivery.platform, "delivered");
      metrics.latency(delivery.platform, Math.max(0, Date.now() - delivery.causedAt));
      return;
    }
    if (result.kind === "permanent") {
      if (result.category === "credentials") breaker.trip(now);
      return this.dead(delivery, `${result.category}: ${result.reason}`);
    }
    breaker.failure(now);
    if (delivery.attempts >= this.options.maxAttempts) {
      return this.dead(delivery, `gave up after ${delivery.attempts} attempts: ${result.reason}`);
    }
    const delay = nextDelayMs(this.options.backoff, delivery.attempts, result.retryAfterMs);
    logger.warn(
      { platform: delivery.platform, delivery: delivery.id, attempt: delivery.attempts, delayMs: delay, reason: result.reason },
      "delivery failed; will retry",
    );
    await store.deliveries.retryLater(delivery.id, now + delay, result.reason, now);
    metrics.outcome(delivery.platform, "retry");
  }

  private async mergedAway(incidentId: string): Promise<boolean> {
    const timeline = await this.options.store.incidents.timeline(incidentId);
    return timeline.some((event) => event.action === "resolved" && event.actor === MERGE_ACTOR);
  }

  private async dead(delivery: Delivery, reason: string): Promise<void> {
    this.options.logger.error(
      { platform: delivery.platform, delivery: delivery.id, incident: delivery.incidentId, reason },
      "delivery is dead; retry it from the API once fixed",
    );
    await this.options.store.deliveries.dead(delivery.id, reason, this.options.clock.now());
    this.options.metrics.outcome(delivery.platform, "dead");
  }

  private bucketsByPlatform(): Map<string, TokenBucket> {
    if (this.buckets.size === 0) {
      for (const [platform, perSecond] of Object.entries(this.options.rateLimits ?? {})) {
        this.buckets.set(platform, new TokenBucket(perSecond, Math.max(1, perSecond), this.options.clock.now()));
      }
    }
    return this.buckets;
  }

  private breakerFor(platform: string): CircuitBreaker {
    let breaker = this.breakers.get(platform);
    if (!breaker) {
      breaker = new CircuitBreaker(this.options.breakerThreshold, this.options.breakerCooldownMs);
      this.breakers.set(platform, breaker);
    }
    return breaker;
  }
}
