import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { PrometheusClient } from "../detect/prometheus-client.ts";
import { RuleRunner } from "../detect/rule-runner.ts";
import { RuleScheduler } from "../detect/rule-scheduler.ts";
import { SignalStreamQuerier } from "../detect/signal-stream.ts";
import type { IngestRunner } from "../pipeline/ingest/ingest-runner.ts";
import type { Base } from "./base.ts";
import type { Module } from "./module.ts";

/**
 * Detection rules (`detect.rules[]`, docs/detection.md): each rule queries Prometheus on its interval and
 * submits its detections as anomaly events through the ingest runner, like any other source.
 */
export function wireDetect(
  { config, store, clock, logger }: Base,
  ingest: IngestRunner,
): { detect: RuleScheduler | null; module: Module } {
  const { prometheus, rules } = config.detect;
  if (rules.length === 0) return { detect: null, module: { name: "detect" } };
  const client = prometheus
    ? new PrometheusClient({
        url: prometheus.url,
        timeoutMs: prometheus.timeout,
        ...(prometheus.bearerToken ? { bearerToken: prometheus.bearerToken } : {}),
      })
    : null;
  // Heartbeats of a long episode stay well inside both the gap that opens a new incident and the quiet period.
  const heartbeatMs = Math.max(Math.min(config.anomaly.lookbackWindow, config.anomaly.quietPeriod) / 3, 1000);
  const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const runners = rules.map((rule) => ({
    intervalMs: rule.interval,
    runner: new RuleRunner({
      rule,
      // Signal-stream rules count Sluice's own signals; the schema makes every other rule have a Prometheus.
      prometheus: rule.signals ? new SignalStreamQuerier(rule, store.detect, store.changes) : (client as PrometheusClient),
      prometheusUrl: rule.signals ? "" : (prometheus?.url ?? ""),
      repository: store.detect,
      submit: (signals) => ingest.submit(signals),
      clock,
      owner,
      heartbeatMs,
    }),
  }));
  const detect = new RuleScheduler(runners, clock, logger);
  return {
    detect,
    module: { name: "detect", start: () => detect.start(), flush: () => detect.idle(), shutdown: () => detect.shutdown() },
  };
}
