import { readFile } from "node:fs/promises";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { CatalogSource } from "../catalog/catalog-source.ts";
import type { SluiceConfig } from "../config/schema.ts";
import { secretValues } from "../config/secret-values.ts";
import type { HttpClient } from "../connectors/connector.ts";
import type { Clock } from "../core/clock.ts";
import type { Severity } from "../core/signal.ts";
import { DEFAULT_ANALYSIS_SETTINGS } from "../investigate/analysis/settings.ts";
import { batchReads } from "../investigate/batch-reads.ts";
import { ChangesCollector } from "../investigate/collectors/changes/changes-collector.ts";
import type { Collector } from "../investigate/collectors/collector.ts";
import { HistoryCollector } from "../investigate/collectors/history/history-collector.ts";
import { KubernetesCollector } from "../investigate/collectors/kubernetes/kubernetes-collector.ts";
import { officialReader } from "../investigate/collectors/kubernetes/workload-reader.ts";
import { LogsCollector } from "../investigate/collectors/logs/logs-collector.ts";
import { LokiClient } from "../investigate/collectors/loki/loki-client.ts";
import { LokiCollector } from "../investigate/collectors/loki/loki-collector.ts";
import { MetricsCollector } from "../investigate/collectors/metrics/metrics-collector.ts";
import { PrometheusClient } from "../investigate/collectors/metrics/prometheus-client.ts";
import { RunbookCollector } from "../investigate/collectors/runbook/runbook-collector.ts";
import { TracesCollector } from "../investigate/collectors/traces/traces-collector.ts";
import { investigationRoutes } from "../investigate/investigation-routes.ts";
import { Investigator } from "../investigate/investigator.ts";
import { LlmNarrator } from "../investigate/llm/llm-narrator.ts";
import { resolveLlmSettings } from "../pipeline/enrich/llm/settings.ts";
import type { SimilarIncidents } from "../pipeline/enrich/providers/similar-incidents.ts";
import type { Redactor } from "../redact/redactor.ts";
import type { Authenticator } from "../sources/http/auth.ts";
import type { Base } from "./base.ts";
import type { Module } from "./module.ts";

/** Investigations run at once when one asks Prometheus, Loki, Kubernetes or an LLM: those wait on other services. */
const CONCURRENCY = 2;
/**
 * Investigations run, and stored, together when they read only Sluice's own store: each batch ends in two
 * transactions instead of two per investigation (a commit with its fsync each), and they take milliseconds.
 */
const STORE_ONLY_BATCH = 32;
/** The logs collector's signals per incident: the most any collector reads, so one read serves them all. */
const LOG_SIGNALS = 200;
/** How far back the logs collector looks for a service's last deploy. */
const DEPLOY_LOOKBACK = 24 * 3_600_000;

export interface InvestigationWiring {
  investigator: Investigator | null;
  /** GET /api/incidents/:id/investigation and POST /api/incidents/:id/investigate. */
  routes: (app: FastifyInstance, auth: Authenticator) => void;
  module: Module;
}

/**
 * Investigates incidents in the background (`investigation.enabled`): on open, on reopen and when severity
 * rises to a severity switched on, and on demand. Declared before ingest, so it stops after ingest drained.
 */
export function wireInvestigation(
  { config, store, clock, logger, metrics, events, http, redactor, ingestLoad, backgroundShare }: Base,
  catalog: CatalogSource | null,
  similar: SimilarIncidents,
): InvestigationWiring {
  const settings = config.investigation;
  // Stored reports stay readable with investigation switched off; only new ones stop.
  const routes = (investigator: Investigator | null) => (app: FastifyInstance, auth: Authenticator) =>
    investigationRoutes(app, { store, auth, investigator });
  if (!settings.enabled) return { investigator: null, routes: routes(null), module: { name: "investigation" } };
  const publicUrl = config.server.publicUrl?.replace(/\/$/, "") ?? null;
  const collectors: Collector[] = [
    new ChangesCollector(store.changes, { skewMs: config.changes.skew }),
    new HistoryCollector(similar, store.investigations, {
      incidentUrl: (key) => (publicUrl ? `${publicUrl}/api/incidents/${key}` : null),
      lookback: config.similar.lookback,
    }),
    new TracesCollector(store.traces, {
      signals: 50,
      timelineLimit: config.traces.timelineLimit,
      maxSpansPerTrace: config.traces.maxSpansPerTrace,
      traceUrl: (id) => `trace ${id}`,
    }),
    new LogsCollector(store.incidents, store.changes, { signals: LOG_SIGNALS, deployLookback: DEPLOY_LOOKBACK }),
  ];
  const kubernetes = settings.kubernetes;
  if (kubernetes) {
    const secrets = config.remediation.secrets;
    collectors.push(
      new KubernetesCollector({
        // A `token` connection names a secret of remediation.secrets, as the remediation action's does.
        connect: (signal) =>
          officialReader(
            kubernetes.connection,
            (ref) => {
              const value = secrets[ref];
              if (value === undefined) throw new Error(`no secret named ${ref} in remediation.secrets`);
              return value;
            },
            signal,
          ),
        workload: (service) => catalog?.catalog.lookup(service)?.kubernetes,
        namespace: kubernetes.namespace,
        maxServices: kubernetes.maxServices,
        // Within the collector's own limit, so the reads that answered are kept when one hangs.
        timeout: Math.max(1, Math.floor(settings.collectorTimeout * 0.8)),
        linkTemplate: kubernetes.linkTemplate ?? null,
        redact: (text) => redactor.redact(text),
        secrets: [...secretValues(config), ...Object.values(secrets)],
      }),
    );
  }
  const prometheus = settings.prometheus;
  let metricsCollector: MetricsCollector | null = null;
  if (prometheus) {
    metricsCollector = new MetricsCollector(
      new PrometheusClient(http, prometheus.url),
      {
        stepMs: prometheus.step,
        queries: prometheus.queries,
        services: prometheus.services,
        catalog: (service) => catalog?.catalog.lookup(service)?.metrics,
        linkUrl: prometheus.linkUrl ?? prometheus.url,
        maxServices: 6,
        lead: prometheus.lead,
      },
      DEFAULT_ANALYSIS_SETTINGS,
    );
    collectors.push(metricsCollector);
  }
  const loki = settings.loki
    ? new LokiCollector(
        new LokiClient(http, settings.loki.url, settings.loki.tenant ? { "x-scope-orgid": settings.loki.tenant } : {}),
        {
          query: settings.loki.query,
          limit: settings.loki.limit,
          maxServices: 3,
          lead: prometheus?.lead ?? 600_000,
          linkTemplate: settings.loki.linkTemplate ?? null,
          redact: (text) => redactor.redact(text),
        },
      )
    : null;
  if (loki) collectors.push(loki);
  const metricsProbe = metricsCollector;
  collectors.push(
    new RunbookCollector({
      http,
      readFile: (path) => readFile(path, "utf8"),
      runbookOf: (service) => catalog?.catalog.lookup(service)?.runbook ?? null,
      signals: (incidentId, reads) => (reads ?? store.incidents).signals(incidentId, 20),
      promql: metricsProbe ? (text, query, id, signal) => metricsProbe.probe(text, query, id, signal) : undefined,
      logql: loki ? (text, query, id, signal) => loki.probe(text, query, id, signal) : undefined,
      maxBlocks: 6,
      maxBytes: 256 * 1024,
    }),
  );
  const narrator = llmNarrator(config, http, redactor, clock, logger);
  const investigator = new Investigator({
    store,
    events,
    logger: logger.child({ component: "investigate" }),
    concurrency: kubernetes || prometheus || loki || narrator ? CONCURRENCY : STORE_ONLY_BATCH,
    lease: settings.lease,
    pollInterval: settings.pollInterval,
    ingestBusy: () => ingestLoad.busy(),
    share: backgroundShare,
    deps: {
      collectors,
      batchReads: (incidents) =>
        batchReads(incidents, {
          signals: (incidentId, limit) => store.incidents.signals(incidentId, limit),
          changes: store.changes,
          maxSignals: LOG_SIGNALS,
          changesLookback: Math.max(settings.window, DEPLOY_LOOKBACK),
          maxChanges: 500,
          similar: store.similar,
          similarLookback: config.similar.lookback,
          now: () => clock.now(),
        }),
      graph: (incident, since) => store.traces.graph(incident.tenant, incident.environment, since),
      catalog: {
        dependenciesOf: (service) => catalog?.catalog.dependenciesOf(service) ?? [],
        dependentsOf: (service) => catalog?.catalog.dependentsOf(service) ?? [],
      },
      runbook: (service) => catalog?.catalog.lookup(service)?.runbook ?? null,
      settings: DEFAULT_ANALYSIS_SETTINGS,
      budget: { maxSteps: settings.maxSteps, timeout: settings.timeout, collectorTimeout: settings.collectorTimeout },
      window: settings.window,
      baseline: settings.baseline,
      resolution: prometheus?.step ?? 0,
      narrator,
      now: () => clock.now(),
    },
    count: (outcome, seconds, firstSignalToReport) => {
      metrics.investigations.inc({ outcome });
      metrics.investigationDuration.observe({ outcome }, seconds);
      if (firstSignalToReport !== null) metrics.firstSignalToReport.observe(firstSignalToReport);
    },
  });
  if (settings.onOpen)
    events.subscribe("IncidentOpened", "investigation", (event) => investigator.request(event.incidentId, "opened"));
  events.subscribe("IncidentChanged", "investigation", (event) => {
    const { change } = event;
    if (change.kind === "reopened" && settings.onReopen) investigator.request(event.incidentId, "reopened");
    if (change.kind === "severity-raised" && settings.onSeverityRaised[change.to as Severity]) {
      investigator.request(event.incidentId, "severity-raised");
    }
  });
  return {
    investigator,
    routes: routes(investigator),
    module: {
      name: "investigation",
      start: () => investigator.start(),
      flush: () => investigator.flush(),
      shutdown: () => investigator.shutdown(),
    },
  };
}

/**
 * The LLM narrative when `llm` is configured and enabled and `investigation.llm.enabled`: OpenAI-compatible
 * providers only, since it needs tool calling in that API's form.
 */
function llmNarrator(
  config: SluiceConfig,
  http: HttpClient,
  redactor: Redactor,
  clock: Clock,
  logger: Logger,
): LlmNarrator | null {
  const budget = config.investigation.llm;
  if (!config.llm?.enabled || !budget.enabled) return null;
  const resolved = resolveLlmSettings(config.llm);
  if (!resolved.ok || resolved.settings.api !== "openai" || !resolved.settings.model) {
    logger.warn(
      { provider: config.llm.provider },
      "investigations get no LLM narrative: it needs an OpenAI-compatible provider with a model (tool calling)",
    );
    return null;
  }
  return new LlmNarrator({
    http,
    settings: resolved.settings,
    budget,
    redact: (text) => redactor.redact(text),
    secrets: secretValues(config),
    now: () => clock.now(),
  });
}
