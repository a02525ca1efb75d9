import type { SluiceConfig } from "../config/schema.ts";
import type { wireAffectedUsers } from "./affected-users.ts";
import type { Base } from "./base.ts";
import type { wireDelivery } from "./delivery.ts";
import type { wireDetect } from "./detect.ts";
import type { wireIngest } from "./ingest.ts";
import type { wireInvestigation } from "./investigation.ts";
import type { wireKafka } from "./kafka.ts";
import type { wireLifecycle, wireTimers } from "./lifecycle.ts";
import { type Module, Modules } from "./module.ts";
import type { wireRemediation } from "./remediation.ts";
import type { wireRetention } from "./retention.ts";
import type { wireServer } from "./server.ts";
import type { Sluice } from "./sluice.ts";
import type { wireSummaries } from "./summaries.ts";
import type { wireSymptomMerger } from "./symptom-merger.ts";
import type { wireSync } from "./sync.ts";
import type { wireTraceAssembly } from "./traces.ts";

/** The wired features the Sluice facade exposes, as the composition root built them. */
export interface Wired {
  base: Base;
  delivery: ReturnType<typeof wireDelivery>;
  lifecycle: ReturnType<typeof wireLifecycle>;
  timers: ReturnType<typeof wireTimers>;
  sync: ReturnType<typeof wireSync>;
  ingest: ReturnType<typeof wireIngest>;
  retention: ReturnType<typeof wireRetention>;
  assembly: ReturnType<typeof wireTraceAssembly>;
  kafka: ReturnType<typeof wireKafka>;
  detect: ReturnType<typeof wireDetect>;
  investigation: ReturnType<typeof wireInvestigation>;
  remediation: ReturnType<typeof wireRemediation>;
  summaries: ReturnType<typeof wireSummaries>;
  affectedUsers: ReturnType<typeof wireAffectedUsers>;
  merger: ReturnType<typeof wireSymptomMerger>;
  http: Awaited<ReturnType<typeof wireServer>>;
}

/**
 * The Sluice a caller holds: the wired parts by name, and the modules run in the order the composition
 * root declared them (shut down in reverse). Kept apart from src/main.ts so the root reads as the order of
 * construction only.
 */
export function sluiceFacade(config: SluiceConfig, wired: Wired, order: readonly Module[]): Sluice {
  const { base, delivery, lifecycle, timers, sync, ingest, assembly, investigation, remediation } = wired;
  const { logger, store, metrics, events } = base;
  const modules = new Modules(order, (name, error) => logger.error({ err: error, module: name }, "a module failed to shut down"));
  return {
    ...{ config, logger, store, events, metrics, lifecycle, runner: ingest.runner, retention: wired.retention.retention },
    ...{ intake: ingest.intake, ingestLog: ingest.consumer, worker: delivery.worker, connectors: delivery.connectors },
    ...{ quietResolver: timers.quietResolver, escalations: timers.escalations, polls: sync.polls },
    ...{ inboundSync: sync.inboundSync, kafka: wired.kafka.kafka, traces: assembly.traces, detect: wired.detect.detect },
    ...{ investigator: investigation.investigator, remediator: remediation.remediator },
    ...{ summarizer: wired.summaries.summarizer, summaries: wired.summaries.summaries },
    ...{ affectedUsers: wired.affectedUsers.affectedUsers, symptomMerger: wired.merger.symptomMerger },
    ...{ server: wired.http.server, auth: wired.http.auth, modules: modules.names },
    start: () => modules.start(),
    startSources: () => modules.startSources(),
    close: () => modules.shutdown(),
  };
}
