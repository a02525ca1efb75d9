import type { FastifyInstance } from "fastify";
import pino, { type Logger } from "pino";
import { Authenticator } from "./api/auth.ts";
import { SluiceMetrics } from "./api/metrics.ts";
import { buildServer } from "./api/server.ts";
import { catalogProvider } from "./catalog/catalog-provider.ts";
import { CatalogSource } from "./catalog/catalog-source.ts";
import { ChangeIntake } from "./changes/change-intake.ts";
import { prometheusChangeMetrics } from "./changes/change-metrics.ts";
import { ChangesProvider } from "./changes/changes-provider.ts";
import { RecentDeploys } from "./changes/recent-deploys.ts";
import { platformEnabled } from "./config/loader.ts";
import type { SluiceConfig } from "./config/schema.ts";
import type { Connector, ConnectorDeps, HttpClient } from "./connectors/connector.ts";
import { MemoryConnector } from "./connectors/memory/memory-connector.ts";
import { connectorFactories } from "./connectors/registry.ts";
import { type Clock, systemClock } from "./core/clock.ts";
import type { SyncHandler, SyncPoller } from "./core/inbound.ts";
import type { Severity, Signal } from "./core/signal.ts";
import { OutboxWorker } from "./delivery/outbox-worker.ts";
import { affectedUsersProvider } from "./enrich/affected-users.ts";
import { AffectedUsersRefresher } from "./enrich/affected-users-refresher.ts";
import { Enricher, type EnrichmentProvider } from "./enrich/enricher.ts";
import { createSummarizer, type Summarizer } from "./enrich/llm/summarizer.ts";
import { SummaryQueue } from "./enrich/summary-queue.ts";
import { EscalationTimers, policyFor } from "./lifecycle/escalation.ts";
import { LifecycleService } from "./lifecycle/lifecycle-service.ts";
import { QuietResolver } from "./lifecycle/quiet-resolver.ts";
import { InboundSync } from "./lifecycle/sync/inbound-sync.ts";
import { PollRunner } from "./lifecycle/sync/poll-runner.ts";
import { PatternCatalog } from "./patterns/pattern-catalog.ts";
import { IngestRunner } from "./pipeline/ingest/ingest-runner.ts";
import { route } from "./pipeline/route/route.ts";
import { redactSignal } from "./redact/redact-signal.ts";
import { createRedactor } from "./redact/redactor.ts";
import { SimilarIncidents, similarProvider } from "./similar/similar-incidents.ts";
import { prometheusKafkaMetrics } from "./sources/kafka/kafka-metrics.ts";
import { KafkaSource } from "./sources/kafka/kafka-source.ts";
import { createLogsIntake } from "./sources/otlp/otlp-logs-intake.ts";
import { PostgresStore } from "./store/postgres/postgres-store.ts";
import { RetentionJob } from "./store/retention-job.ts";
import { SqliteStore } from "./store/sqlite/sqlite-store.ts";
import type { Store } from "./store/store.ts";
import { downstreamOf } from "./traces/graph.ts";
import { attachLateTraceContext } from "./traces/late-trace-context.ts";
import { SymptomMerger } from "./traces/symptom-merger.ts";
import { prometheusTraceMetrics } from "./traces/trace-metrics.ts";
import { createTraces, type Traces } from "./traces/traces.ts";

export interface SluiceOptions {
  logger?: Logger;
  clock?: Clock;
  http?: HttpClient;
  /** Replace every platform with an in-memory one (dry runs, tests). */
  dryRun?: boolean;
  /** Use this data directory instead of the configured one (":memory:" for throwaway). */
  dataDir?: string;
  /** In-memory platforms keep the rendered ticket text of each delivery (tests read it). */
  recordTicketText?: boolean;
  /** Skip default process metrics (several instances in one test process). */
  processMetrics?: boolean;
}

/** A wired Sluice: every stage, ready to serve or replay. */
export interface Sluice {
  config: SluiceConfig;
  logger: Logger;
  store: Store;
  runner: IngestRunner;
  worker: OutboxWorker;
  lifecycle: LifecycleService;
  quietResolver: QuietResolver;
  /** Deletes what storage.retention no longer keeps (every storage.retention.interval). */
  retention: RetentionJob;
  escalations: EscalationTimers;
  /** Pollers of platforms that cannot call Sluice (ServiceNow with pollIntervalSeconds). */
  polls: PollRunner;
  /** Applies what platforms report (webhooks, buttons, pollers) through the lifecycle. */
  inboundSync: InboundSync;
  /** The Kafka consumer, when `kafka.enabled`. */
  kafka: KafkaSource | null;
  /** Trace ingest, assembly and the dependency graph, when `traces.enabled`. */
  traces: Traces | null;
  summarizer: Summarizer;
  /** Background LLM summaries, when `llm` is configured and enabled. */
  summaries: SummaryQueue | null;
  /** Recounts affected users as signals naming them join incidents. */
  affectedUsers: AffectedUsersRefresher;
  /** Merges symptom incidents into a root cause's that opened after them (traces.mergeSymptoms). */
  symptomMerger: SymptomMerger | null;
  metrics: SluiceMetrics;
  connectors: ReadonlyMap<string, Connector>;
  server: FastifyInstance;
  auth: Authenticator;
  /** Starts the background workers (delivery, auto-resolve, escalation). */
  start(): void;
  /** Joins the configured Kafka consumer group; rejects when the brokers cannot be reached. */
  startSources(): Promise<void>;
  /** Drains ingest and delivery, then closes everything. */
  close(): Promise<void>;
}

export async function createSluice(config: SluiceConfig, options: SluiceOptions = {}): Promise<Sluice> {
  const logger =
    options.logger ??
    pino({
      level: config.log.level,
      redact: {
        paths: ["req.headers.authorization", "*.apiKey", "*.token", "*.secret", "*.databaseUrl", "*.password"],
        censor: "[redacted]",
      },
    });
  const clock = options.clock ?? systemClock;
  const store = await openStore(config, options, logger);
  const metrics = new SluiceMetrics({ processMetrics: options.processMetrics ?? true });
  const connectors = buildConnectors(config, options, clock);
  let worker: OutboxWorker | null = null;
  const wake = () => worker?.wake();
  const http = options.http ?? ((url: string, init: RequestInit) => fetch(url, init));
  const redactor = createRedactor(config.redaction);
  const summarizer = createSummarizer(config.llm, { http, clock, redact: (text) => redactor.redact(text) });
  const summaries = config.llm?.enabled
    ? new SummaryQueue({
        store,
        summarizer,
        clock,
        logger,
        onDeliveriesQueued: wake,
        count: (outcome) => metrics.summaries.inc({ outcome }),
      })
    : null;

  // --- service catalog (src/catalog, docs/catalog.md): owners for routing, the `catalog` enrichment step ---
  const catalog = config.catalog
    ? new CatalogSource({
        settings: config.catalog,
        reloadIntervalMs: config.catalog.reloadInterval,
        logger: logger.child({ component: "catalog" }),
      })
    : null;
  // --- end service catalog ---
  /** What a service depends on: declared in the catalog (Backstage dependsOn) plus what its traces show it calls. */
  const dependenciesOf = async (service: string, at: { tenant: string; environment: string; now: number }) => {
    const declared = catalog?.dependenciesOf(service) ?? [];
    if (!traces) return declared;
    const observed = downstreamOf(await traces.graphs.graph(at.tenant, at.environment, at.now), service);
    return [...new Set([...declared, ...observed])];
  };

  // --- changes (src/changes, docs/changes.md): intake, deploy-aware suppression, enrichment step ---
  const changeMetrics = prometheusChangeMetrics(metrics.registry);
  const suppressAfterDeploy = config.changes.suppressAfterDeploy;
  const recentDeploys = suppressAfterDeploy
    ? new RecentDeploys({ changes: store.changes, clock, logger, config: suppressAfterDeploy })
    : null;
  await recentDeploys?.refresh();
  const changeIntake = new ChangeIntake({
    store,
    clock,
    logger,
    metrics: changeMetrics,
    redact: (text) => redactor.redact(text),
    onStored: (changes) => recentDeploys?.add(changes),
  });
  const changesProvider = new ChangesProvider({
    // Dependencies the catalog declares; the trace graph adds the observed ones (below, once traces exist).
    dependenciesOf: (service, target) => dependenciesOf(service, target),
    changes: store.changes,
    lookbackMs: config.changes.lookback,
    skewMs: config.changes.skew,
    limit: config.changes.limit,
  });
  // --- end changes ---

  // --- similar past incidents (src/similar, docs/similar.md): the `similar` step and GET /api/incidents/:id/similar ---
  const similar = new SimilarIncidents(store.similar, config.similar, { clock, redact: (text) => redactor.redact(text) });
  // --- end similar past incidents ---

  // --- traces (src/traces, docs/adr/0005-traces.md): OTLP ingest, assembly into the graph, the `traces` step, upstream joins ---
  const traces = config.traces.enabled
    ? createTraces({
        repository: store.traces,
        clock,
        config: config.traces,
        logger: logger.child({ component: "traces" }),
        metrics: prometheusTraceMetrics(metrics.registry),
        // Called only once started, when the runner and the lifecycle below exist.
        submit: async (signals) => {
          const results = await runner.submit(signals);
          if (traces) {
            const deps = { store, lifecycle, enrichment: traces.enrichment, now: () => clock.now(), logger };
            await attachLateTraceContext(deps, signals, results);
          }
          return results;
        },
      })
    : null;
  // --- end traces ---

  const providers: EnrichmentProvider[] = [
    affectedUsersProvider,
    changesProvider,
    ...(catalog ? [catalogProvider(catalog)] : []),
    ...(config.similar.enabled ? [similarProvider(similar)] : []),
    ...(traces ? [traces.enrichment] : []),
  ];
  const enricher = new Enricher(providers, {
    timeoutMs: config.enrichment.timeout,
    count: (provider, outcome) => metrics.enrichment.inc({ provider, outcome }),
    onFailure: (provider, error) =>
      logger.warn(
        { provider, error: error instanceof Error ? error.message : String(error) },
        "an enrichment step failed; the ticket goes out without it",
      ),
  });
  // Set once the lifecycle exists: the runner is built before it.
  let affectedUsersRef: AffectedUsersRefresher | null = null;
  let symptomMergerRef: SymptomMerger | null = null;

  const bySeverity = config.routing as Partial<Record<Severity, string[]>>;
  const runner = new IngestRunner({
    store,
    clock,
    // Error patterns (issue 6): the fingerprint uses their ids, shared through the database.
    patterns: new PatternCatalog({
      repository: store.patterns,
      maxPatterns: config.patterns.maxInMemory,
      refreshMs: config.patterns.refreshInterval,
      now: () => clock.now(),
    }),
    metrics: metrics.pipeline,
    lifecycleMetrics: metrics.lifecycle,
    gateRules: {
      minimumScore: config.anomaly.minimumScore,
      maintenance: config.maintenance,
      ...(recentDeploys ? { afterDeploy: (signal: Signal) => recentDeploys.suppressionFor(signal) } : {}),
    },
    lookbackMs: config.anomaly.lookbackWindow,
    reopenWindowMs: config.anomaly.reopenWindow,
    route: (signal) =>
      route(
        signal,
        { bySeverity, rules: config.routing.rules },
        (platform) => connectors.has(platform),
        () => catalog?.ownerOfSignal(signal),
      ),
    redact: (signal) => redactSignal(signal, redactor),
    escalateAfter: (signal) => {
      const owner = catalog?.ownerOfSignal(signal);
      return policyFor({ ...signal, team: owner?.team, tier: owner?.tier ?? undefined }, config.escalation.policies)?.after;
    },
    onIncidentsOpened: (ids: string[]) => {
      summaries?.enqueue(ids);
      symptomMergerRef?.enqueue(ids);
    },
    onIncidentsReopened: (ids: string[]) => symptomMergerRef?.enqueue(ids),
    enrich: (target, options) => enricher.enrich(target, options),
    maxEnrichedPerBatch: config.enrichment.maxPerBatch,
    ...(traces ? { joinTargets: (signals: readonly Signal[], now: number) => traces.correlator.joinTargets(signals, now) } : {}),
    onAffectedUsers: (ids) => affectedUsersRef?.touch(ids),
    onDeliveriesQueued: wake,
  });
  worker = new OutboxWorker({
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
  });
  const lifecycle = new LifecycleService(store, clock, wake, metrics.lifecycle);
  const affectedUsers = new AffectedUsersRefresher({ store, lifecycle, logger });
  affectedUsersRef = affectedUsers;
  const symptomMerger =
    traces && config.traces.mergeSymptoms
      ? new SymptomMerger({
          store,
          lifecycle,
          evidence: traces.evidence,
          now: () => clock.now(),
          logger: logger.child({ component: "traces" }),
          windowMs: config.traces.mergeWindow,
          count: (outcome) => traces.metrics.merges(outcome),
        })
      : null;
  symptomMergerRef = symptomMerger;
  const quietResolver = new QuietResolver(store, lifecycle, clock, config.anomaly.quietPeriod, logger);
  const retention = new RetentionJob(store.retention, clock, config.storage.retention, {
    logger,
    deleted: (kind, rows) => metrics.retentionDeleted.inc({ kind }, rows),
  });
  const kafka = config.kafka?.enabled
    ? new KafkaSource({
        config: config.kafka,
        runner,
        changes: changeIntake,
        clock,
        logger: logger.child({ source: "kafka" }),
        metrics: prometheusKafkaMetrics(metrics.registry),
      })
    : null;
  const escalations = new EscalationTimers(store, lifecycle, clock, config.escalation.policies, logger);
  const auth = new Authenticator(config.auth);
  const inboundSync = new InboundSync(store, lifecycle, clock, config.lifecycle.autoAcknowledge, metrics.observeSyncLag);
  const polls = new PollRunner(
    buildPollers(config, { http, clock, timeoutMs: config.delivery.timeout }),
    store,
    inboundSync,
    clock,
    logger,
  );
  let started = false;
  const server = await buildServer({
    logger,
    bodyLimit: config.server.bodyLimit,
    timeouts: config.server,
    store,
    runner,
    lifecycle,
    auth,
    metrics,
    connectors,
    summarizer,
    syncHandlers: buildSyncHandlers(config, clock),
    inboundSync,
    wakeDeliveries: wake,
    isReady: () => started,
    changes: { intake: changeIntake, metrics: changeMetrics, githubWebhookSecret: config.changes.githubWebhookSecret },
    similar,
    ...(traces ? { traces } : {}),
    ...(config.otlpLogs.enabled
      ? { logs: createLogsIntake(config.otlpLogs, (signals) => runner.submit(signals), metrics.registry) }
      : {}),
  });
  const activeWorker = worker;
  return {
    config,
    logger,
    store,
    runner,
    worker: activeWorker,
    lifecycle,
    quietResolver,
    retention,
    escalations,
    polls,
    inboundSync,
    kafka,
    traces,
    summarizer,
    summaries,
    affectedUsers,
    symptomMerger,
    metrics,
    connectors,
    server,
    auth,
    start() {
      activeWorker.start();
      quietResolver.start();
      retention.start();
      escalations.start();
      polls.start();
      recentDeploys?.start();
      catalog?.start();
      traces?.start();
      started = true;
    },
    async startSources() {
      await kafka?.start();
    },
    async close() {
      started = false;
      await server.close();
      // The source first: it still submits what it has in flight, which a stopped runner would refuse.
      await kafka?.shutdown();
      // Like a source: it submits the signals of failing traces.
      await traces?.shutdown();
      await runner.shutdown();
      await symptomMerger?.shutdown();
      await summaries?.shutdown();
      await affectedUsers.shutdown();
      quietResolver.shutdown();
      await retention.shutdown();
      escalations.shutdown();
      polls.shutdown();
      recentDeploys?.shutdown();
      await catalog?.shutdown();
      await activeWorker.shutdown();
      await store.close();
    },
  };
}

/** One connector per enabled platform; in-memory stand-ins on a dry run. */
export function buildConnectors(
  config: SluiceConfig,
  options: Pick<SluiceOptions, "http" | "dryRun" | "recordTicketText">,
  clock: Clock,
): Map<string, Connector> {
  const connectors = new Map<string, Connector>();
  const http = options.http ?? ((url: string, init: RequestInit) => fetch(url, init));
  for (const factory of connectorFactories) {
    if (!platformEnabled(config, factory.platform)) continue;
    const connector = options.dryRun
      ? new MemoryConnector(factory.platform, { recordText: options.recordTicketText ?? false })
      : factory.create(config.platforms[factory.platform], { http, clock, timeoutMs: config.delivery.timeout });
    connectors.set(factory.platform, connector);
  }
  return connectors;
}

/** The inbound side of every enabled platform that configures how to verify its sender. */
export function buildSyncHandlers(config: SluiceConfig, clock: Clock): Map<string, SyncHandler> {
  const handlers = new Map<string, SyncHandler>();
  for (const factory of connectorFactories) {
    if (!platformEnabled(config, factory.platform) || !factory.createSyncHandler) continue;
    const handler = factory.createSyncHandler(config.platforms[factory.platform], { clock });
    if (handler) handlers.set(factory.platform, handler);
  }
  return handlers;
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

/** Pollers of enabled platforms that configure one. */
function buildPollers(config: SluiceConfig, deps: ConnectorDeps): SyncPoller[] {
  const pollers: SyncPoller[] = [];
  for (const factory of connectorFactories) {
    if (!platformEnabled(config, factory.platform) || !factory.createPoller) continue;
    const poller = factory.createPoller(config.platforms[factory.platform], deps);
    if (poller) pollers.push(poller);
  }
  return pollers;
}
