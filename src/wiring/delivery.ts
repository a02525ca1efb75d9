import type { Connector } from "../connectors/connector.ts";
import { OutboxWorker } from "../delivery/outbox-worker.ts";
import { escalationOrders } from "../lifecycle/escalation-levels.ts";
import type { Base } from "./base.ts";
import { buildConnectors } from "./connectors.ts";
import type { Module } from "./module.ts";

export interface DeliveryWiring {
  connectors: ReadonlyMap<string, Connector>;
  worker: OutboxWorker;
  module: Module;
}

/** The outbox worker and the platforms it delivers to; it wakes on DeliveriesQueued instead of waiting for its poll. */
export function wireDelivery({
  config,
  options,
  clock,
  store,
  metrics,
  logger,
  events,
  factories,
  backgroundShare,
}: Base): DeliveryWiring {
  const connectors = buildConnectors(config, options, clock, factories);
  const worker = new OutboxWorker({
    store,
    connectors,
    clock,
    metrics: metrics.delivery,
    logger,
    backoff: { initialMs: config.delivery.initialBackoff, maxMs: config.delivery.maxBackoff },
    maxAttempts: config.delivery.maxAttempts,
    concurrency: config.delivery.concurrency,
    breakerThreshold: config.delivery.breakerThreshold,
    breakerCooldownMs: config.delivery.breakerCooldown,
    rateLimits: config.delivery.rateLimits,
    incidentUrl: (incident) =>
      config.server.publicUrl ? new URL(`/incidents/${incident.key}`, config.server.publicUrl).toString() : null,
    escalationOrder: escalationOrders(config.escalation.policies),
    share: backgroundShare,
  });
  events.subscribe("DeliveriesQueued", "delivery", () => worker.wake());
  return {
    connectors,
    worker,
    module: { name: "delivery", start: () => worker.start(), flush: () => worker.flush(), shutdown: () => worker.shutdown() },
  };
}
