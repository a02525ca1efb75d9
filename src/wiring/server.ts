import type { FastifyInstance } from "fastify";
import { buildServer } from "../api/server.ts";
import type { Connector } from "../connectors/connector.ts";
import type { SyncHandler } from "../core/inbound.ts";
import type { LifecycleService } from "../lifecycle/lifecycle-service.ts";
import type { InboundSync } from "../lifecycle/sync/inbound-sync.ts";
import type { Summarizer } from "../pipeline/enrich/llm/summarizer.ts";
import type { SimilarIncidents } from "../pipeline/enrich/providers/similar-incidents.ts";
import type { SignalIntake } from "../pipeline/ingest/log-intake.ts";
import { Authenticator } from "../sources/http/auth.ts";
import { IngestLimiter } from "../sources/http/ingest-limiter.ts";
import { createLogsIntake } from "../sources/otlp/otlp-logs-intake.ts";
import type { Traces } from "../sources/otlp/traces.ts";
import type { Base } from "./base.ts";
import type { ChangesWiring } from "./changes.ts";
import type { ConsoleWiring } from "./console.ts";
import type { Module } from "./module.ts";

export interface ServerDeps {
  /** The durable ingest log's intake (src/wiring/ingest.ts). */
  intake: SignalIntake;
  lifecycle: LifecycleService;
  connectors: ReadonlyMap<string, Connector>;
  summarizer: Summarizer;
  syncHandlers: ReadonlyMap<string, SyncHandler>;
  inboundSync: InboundSync;
  changes: ChangesWiring;
  similar: SimilarIncidents;
  traces: Traces | null;
  console: ConsoleWiring;
  /** Routes of feature modules (investigation). */
  features?: readonly ((app: FastifyInstance, auth: Authenticator) => void)[];
}

/** The HTTP server (API, ingest routes, webhooks); declared last, so it is ready last and closes first. */
export async function wireServer(
  base: Base,
  deps: ServerDeps,
): Promise<{ server: FastifyInstance; auth: Authenticator; module: Module }> {
  const { config, logger, store, metrics, events, clock } = base;
  const { intake, traces, changes } = deps;
  let ready = false;
  const auth = new Authenticator(config.auth);
  const server = await buildServer({
    logger,
    bodyLimit: config.server.bodyLimit,
    timeouts: config.server,
    store,
    intake,
    lifecycle: deps.lifecycle,
    auth,
    limiter: new IngestLimiter(config.throttle, clock, metrics.throttle),
    metrics,
    connectors: deps.connectors,
    summarizer: deps.summarizer,
    syncHandlers: deps.syncHandlers,
    inboundSync: deps.inboundSync,
    // A retried dead letter is a queued delivery like any other.
    wakeDeliveries: () => events.publish({ type: "DeliveriesQueued", at: clock.now(), count: 1 }),
    isReady: () => ready,
    changes: { intake: changes.intake, metrics: changes.metrics, githubWebhookSecret: config.changes.githubWebhookSecret },
    similar: deps.similar,
    features: deps.features ?? [],
    destinations: base.destinations,
    console: deps.console,
    ...(traces ? { traces } : {}),
    ...(config.otlpLogs.enabled
      ? { logs: createLogsIntake(config.otlpLogs, (signals) => intake.submit(signals, "otlp-logs"), metrics.registry) }
      : {}),
  });
  const module: Module = {
    name: "http",
    start: () => {
      ready = true;
    },
    shutdown: async () => {
      ready = false;
      await server.close();
    },
  };
  return { server, auth, module };
}
