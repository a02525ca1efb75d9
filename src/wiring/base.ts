import pino, { type Logger } from "pino";
import { SluiceMetrics } from "../api/metrics.ts";
import type { SluiceConfig } from "../config/schema.ts";
import { DestinationCatalog } from "../connectors/catalog-destinations.ts";
import type { ConnectorFactory, HttpClient } from "../connectors/connector.ts";
import { connectorFactories, destinationCatalog } from "../connectors/registry.ts";
import { BackgroundShare } from "../core/background-share.ts";
import { type Clock, systemClock } from "../core/clock.ts";
import { EventBus } from "../core/events.ts";
import { IngestLoad } from "../core/ingest-load.ts";
import type { Store } from "../core/ports/store.ts";
import { keyedHash, type Pseudonym, pseudonymKey } from "../redact/keyed-hash.ts";
import { createRedactor, type Redactor } from "../redact/redactor.ts";
import { PostgresStore } from "../store/postgres/postgres-store.ts";
import { SqliteStore } from "../store/sqlite/sqlite-store.ts";
import type { Module } from "./module.ts";
import type { SluiceOptions } from "./sluice.ts";

/** What every feature is built from: config, logging, time, the store, metrics and the event bus. */
export interface Base {
  config: SluiceConfig;
  options: SluiceOptions;
  logger: Logger;
  clock: Clock;
  store: Store;
  metrics: SluiceMetrics;
  events: EventBus;
  http: HttpClient;
  redactor: Redactor;
  /** Keyed hash of affected users (and ids that hold a secret); the key is shared through the store. */
  pseudonym: Pseudonym;
  factories: readonly ConnectorFactory[];
  /** Those connectors' catalog destinations and secret masks. */
  destinations: DestinationCatalog;
  /** Ingest's backlog, for background work that yields to it (ingest reports into it once wired). */
  ingestLoad: IngestLoad;
  /** Background work's share of a process that requests saturate (ingest says where to look once wired). */
  backgroundShare: BackgroundShare;
  /** The store's module: declared first, so it closes last. */
  module: Module;
}

export async function wireBase(config: SluiceConfig, options: SluiceOptions): Promise<Base> {
  const logger =
    options.logger ??
    pino({
      level: config.log.level,
      redact: {
        paths: ["req.headers.authorization", "*.apiKey", "*.token", "*.secret", "*.databaseUrl", "*.password"],
        censor: "[redacted]",
      },
    });
  const store = await openStore(config, options, logger);
  const metrics = new SluiceMetrics({ processMetrics: options.processMetrics ?? true });
  const events = new EventBus(({ subscriber, event, error }) => {
    metrics.eventFailures.inc({ subscriber, event: event.type });
    logger.error(
      { err: error, subscriber, event: event.type },
      "a domain-event subscriber failed; the change it heard of stands",
    );
  });
  const clock = options.clock ?? systemClock;
  const pseudonym = keyedHash(await pseudonymKey(config.redaction.hashKey, store.keys, clock.now()));
  return {
    config,
    options,
    logger,
    clock,
    store,
    metrics,
    events,
    http: options.http ?? ((url: string, init: RequestInit) => fetch(url, init)),
    redactor: createRedactor(config.redaction),
    pseudonym,
    factories: options.connectorFactories ?? connectorFactories,
    destinations: options.connectorFactories ? new DestinationCatalog(options.connectorFactories) : destinationCatalog,
    ingestLoad: new IngestLoad(),
    backgroundShare: new BackgroundShare(config.ingest.pipelineMinShare),
    module: { name: "store", shutdown: () => store.close() },
  };
}

/**
 * PostgreSQL when a database URL is configured (storage.databaseUrl or DATABASE_URL), else the
 * embedded SQLite. An explicit dataDir (tests, replays) always means SQLite.
 */
async function openStore(config: SluiceConfig, options: SluiceOptions, logger: Logger): Promise<Store> {
  const databaseUrl = config.storage.databaseUrl ?? process.env.DATABASE_URL;
  if (databaseUrl && options.dataDir === undefined) {
    return PostgresStore.open({
      url: databaseUrl,
      poolSize: config.storage.poolSize,
      onPoolError: (error) => logger.error({ err: error }, "an idle PostgreSQL connection failed"),
    });
  }
  return SqliteStore.open({
    dataDir: options.dataDir ?? config.storage.dataDir,
    synchronous: config.storage.synchronous,
    logger,
  });
}
