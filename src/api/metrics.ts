import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { LifecycleMetrics } from "../core/lifecycle-metrics.ts";
import type { DeliveryMetrics } from "../delivery/delivery-metrics.ts";
import type { LogBacklogMonitor } from "../pipeline/ingest/log-backlog.ts";
import type { LogMetrics } from "../pipeline/ingest/log-metrics.ts";
import type { PipelineMetrics } from "../pipeline/ingest/pipeline-metrics.ts";
import type { ThrottleMetrics } from "../sources/http/ingest-limiter.ts";

/** 1 minute to 1 day: how long people and alerts take, not how long Sluice takes. */
const TIME_TO_BUCKETS = [60, 300, 600, 900, 1800, 3600, 7200, 14_400, 28_800, 86_400];

/** Sluice's Prometheus metrics; each stage sees only the narrow interface it reports through. */
export class SluiceMetrics {
  readonly registry = new Registry();
  private readonly signalsTotal = new Counter({
    name: "sluice_signals_total",
    help: "Signals by outcome: accepted (stored), rejected, gated, suppressed, deduplicated (joined an incident), duplicate (same upstream id), opened, resolved, unmatched, shed (refused with 503, nothing stored: ingest queue full, shutting down, or the batch's incidents kept changing under other writers)",
    labelNames: ["outcome"],
    registers: [this.registry],
  });
  private readonly incidentsOpened = new Counter({
    name: "sluice_incidents_opened_total",
    help: "Incidents opened",
    registers: [this.registry],
  });
  private readonly deliveriesTotal = new Counter({
    name: "sluice_deliveries_total",
    help: "Delivery attempts by platform and outcome (delivered, retry, dead)",
    labelNames: ["platform", "outcome"],
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: "sluice_signal_to_delivery_seconds",
    help: "From the arrival of the signal that caused a delivery to the platform accepting it",
    labelNames: ["platform"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly summaries = new Counter({
    name: "sluice_summaries_total",
    help: "Incident summaries by outcome: llm (improved by the model), fallback (template kept), shed (queue full)",
    labelNames: ["outcome"],
    registers: [this.registry],
  });
  readonly investigations = new Counter({
    name: "sluice_investigations_total",
    help: "Investigations by outcome: hypothesis (a cause asserted), abstained (nothing decisive), out-of-budget (steps or wall time ran out first), failed",
    labelNames: ["outcome"],
    registers: [this.registry],
  });
  readonly investigationDuration = new Histogram({
    name: "sluice_investigation_duration_seconds",
    help: "Wall time of one investigation, from its claim to its stored report, by outcome",
    labelNames: ["outcome"],
    buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });
  readonly firstSignalToReport = new Histogram({
    name: "sluice_investigation_first_signal_to_report_seconds",
    help: "From an incident's first signal to its first investigation report being stored (the promise: within 2 minutes)",
    buckets: [1, 5, 10, 30, 60, 120, 300, 600],
    registers: [this.registry],
  });
  readonly remediationRuns = new Counter({
    name: "sluice_remediation_runs_total",
    help: "Remediation runs by playbook and the state they ended in: verified, rolled-back, escalated, refused (a guardrail), rejected (by a person), dry-run",
    labelNames: ["playbook", "outcome"],
    registers: [this.registry],
  });
  readonly remediationSuccess = new Gauge({
    name: "sluice_remediation_success_ratio",
    help: "Per playbook, the self-healing success rate: runs that healed (verified, no human acted, not reopened within reopenWindow) ÷ runs verified or failed, from the store",
    labelNames: ["playbook"],
    registers: [this.registry],
  });
  readonly retentionDeleted = new Counter({
    name: "sluice_retention_deleted_total",
    help: "Rows deleted because storage.retention no longer keeps them, by kind (signals, changes, deliveries, timers, incidents, ingestDeadLetters)",
    labelNames: ["kind"],
    registers: [this.registry],
  });
  readonly eventFailures = new Counter({
    name: "sluice_event_subscriber_failures_total",
    help: "Domain-event subscribers that threw or rejected, by subscriber and event type; the commit that published stands",
    labelNames: ["subscriber", "event"],
    registers: [this.registry],
  });
  readonly enrichment = new Counter({
    name: "sluice_enrichment_total",
    help: "Enrichment steps run when incidents open, by step and outcome (ok, failed, timeout); the success ratio of DESIGN §8",
    labelNames: ["provider", "outcome"],
    registers: [this.registry],
  });
  private readonly timeTo = {
    acknowledged: new Histogram({
      name: "sluice_time_to_acknowledge_seconds",
      help: "From an incident's first signal to its acknowledgement (MTTA = sum / count), by severity",
      labelNames: ["severity"],
      buckets: TIME_TO_BUCKETS,
      registers: [this.registry],
    }),
    resolved: new Histogram({
      name: "sluice_time_to_resolve_seconds",
      help: "From an incident's first signal to its resolution, by a person, its alerts or the quiet period (MTTR = sum / count), by severity",
      labelNames: ["severity"],
      buckets: TIME_TO_BUCKETS,
      registers: [this.registry],
    }),
  };
  private readonly syncLag = new Histogram({
    name: "sluice_sync_lag_seconds",
    help: "From a change on a platform (its own timestamp) to Sluice applying it, by platform (webhooks, buttons, pollers)",
    labelNames: ["platform"],
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
    registers: [this.registry],
  });
  /** For InboundSync: how late platforms' changes arrive. */
  readonly observeSyncLag = (platform: string, seconds: number) => this.syncLag.observe({ platform }, seconds);
  readonly deadLetters = new Gauge({
    name: "sluice_dead_letters",
    help: "Deliveries in the dead-letter state",
    registers: [this.registry],
  });

  /** Run by GET /metrics before it renders: figures computed from the store at each scrape (the ticketing SLIs). */
  readonly beforeScrape: (() => Promise<void>)[] = [];

  constructor(options: { processMetrics: boolean } = { processMetrics: true }) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: "sluice_" });
  }

  /** Since this process started: what the noise reduction ratio is computed from. */
  private readonly funnel = { accepted: 0, opened: 0 };
  private readonly noiseReduction = new Gauge({
    name: "sluice_noise_reduction_ratio",
    help: "1 − incidents opened ÷ signals accepted, since this process started (0.99: a hundred signals per incident)",
    registers: [this.registry],
    collect: () => {
      const { accepted, opened } = this.funnel;
      this.noiseReduction.set(accepted > 0 ? 1 - opened / accepted : 0);
    },
  });

  readonly pipeline: PipelineMetrics = {
    signals: (outcome, count) => {
      this.signalsTotal.inc({ outcome }, count);
      if (outcome === "accepted") this.funnel.accepted += count;
    },
    incidentsOpened: (count) => {
      this.incidentsOpened.inc(count);
      this.funnel.opened += count;
    },
  };

  private readonly throttledTotal = new Counter({
    name: "sluice_ingest_throttled_total",
    help: "Signals refused with 429 by the throttle limits (nothing of their request stored), by intake source (api, alertmanager, grafana, otlp), ingest token (anonymous without one), tenant (the first 100 seen, then other) and the limit that refused them (token, tenant)",
    labelNames: ["source", "token", "tenant", "limit"],
    registers: [this.registry],
  });

  readonly throttle: ThrottleMetrics = {
    throttled: (labels, count) => this.throttledTotal.inc(labels, count),
  };

  readonly lifecycle: LifecycleMetrics = {
    settled: (step, severity, seconds) => this.timeTo[step].observe({ severity }, Math.max(0, seconds)),
  };

  /** The ingest log's backlog as its monitor last saw it (wired by src/wiring/ingest.ts). */
  private ingestBacklog: Pick<LogBacklogMonitor, "current" | "ageSeconds"> | null = null;
  private readonly logSignals: Gauge = new Gauge({
    name: "sluice_ingest_log_signals",
    help: "Signals in the ingest log the pipeline has not applied yet (every replica's; read each ingest.pollInterval, plus this replica's appends since)",
    registers: [this.registry],
    collect: (): void => this.logSignals.set(this.ingestBacklog?.current().signals ?? 0),
  });
  private readonly logEntries: Gauge = new Gauge({
    name: "sluice_ingest_log_entries",
    help: "Entries (requests, Kafka batches) in the ingest log not applied yet",
    registers: [this.registry],
    collect: (): void => this.logEntries.set(this.ingestBacklog?.current().entries ?? 0),
  });
  private readonly logAge: Gauge = new Gauge({
    name: "sluice_ingest_log_age_seconds",
    help: "Age of the oldest ingest-log entry not applied yet: how far the pipeline is behind (0 when the log is empty); past ingest.maxLogAge ingest answers 503",
    registers: [this.registry],
    collect: (): void => this.logAge.set(this.ingestBacklog?.ageSeconds() ?? 0),
  });
  private backgroundShare: { readonly current: number } | null = null;
  private readonly shareGauge: Gauge = new Gauge({
    name: "sluice_background_share",
    help: "Share of the event loop background work (the pipeline behind the ingest log, deliveries, investigations) may take while requests arrive (acknowledge: logged; 1: it never pauses); below 1, acknowledgements come first and the log absorbs the rest",
    registers: [this.registry],
    collect: (): void => this.shareGauge.set(this.backgroundShare?.current ?? 1),
  });
  private readonly logLag = new Histogram({
    name: "sluice_ingest_log_lag_seconds",
    help: "Pipeline lag: from an entry's append to the ingest log to the commit of its effects, per entry this replica applied",
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  private readonly logDeadLetters = new Counter({
    name: "sluice_ingest_dead_letters_total",
    help: "Signals the pipeline could not apply, moved to the ingest dead letters with their reason, by cause: rejected (the pipeline refused them), attempts (failing past ingest.maxAttempts), unreadable",
    labelNames: ["cause"],
    registers: [this.registry],
  });

  watchIngestLog(monitor: Pick<LogBacklogMonitor, "current" | "ageSeconds">): void {
    this.ingestBacklog = monitor;
  }

  /** The background share (src/core/background-share.ts), for its gauge. */
  watchBackgroundShare(share: { readonly current: number }): void {
    this.backgroundShare = share;
  }

  readonly ingestLog: LogMetrics = {
    applied: (lags) => {
      for (const lag of lags) this.logLag.observe(Math.max(0, lag));
    },
    deadLettered: (cause, signals) => this.logDeadLetters.inc({ cause }, signals),
  };

  readonly delivery: DeliveryMetrics = {
    outcome: (platform, outcome) => this.deliveriesTotal.inc({ platform, outcome }),
    latency: (platform, ms) => this.latency.observe({ platform }, ms / 1000),
  };
}
