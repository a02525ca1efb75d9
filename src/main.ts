import type { SluiceConfig } from "./config/schema.ts";
import { wireAffectedUsers } from "./wiring/affected-users.ts";
import { wireBase } from "./wiring/base.ts";
import { wireCatalog } from "./wiring/catalog.ts";
import { wireChanges } from "./wiring/changes.ts";
import { wireConsole } from "./wiring/console.ts";
import { wireDeadLetters } from "./wiring/dead-letters.ts";
import { wireDelivery } from "./wiring/delivery.ts";
import { wireDetect } from "./wiring/detect.ts";
import { wireEnrichment } from "./wiring/enrichment.ts";
import { sluiceFacade } from "./wiring/facade.ts";
import { wireIngest } from "./wiring/ingest.ts";
import { wireInvestigation } from "./wiring/investigation.ts";
import { wireKafka } from "./wiring/kafka.ts";
import { wireLifecycle, wireTimers } from "./wiring/lifecycle.ts";
import { wireRemediation } from "./wiring/remediation.ts";
import { wireRetention } from "./wiring/retention.ts";
import { wireServer } from "./wiring/server.ts";
import { wireSlis } from "./wiring/slis.ts";
import type { Sluice, SluiceOptions } from "./wiring/sluice.ts";
import { wireSummaries } from "./wiring/summaries.ts";
import { wireSymptomMerger } from "./wiring/symptom-merger.ts";
import { wireSync } from "./wiring/sync.ts";
import { wireTraceAssembly, wireTraceKnowledge } from "./wiring/traces.ts";

export type { Sluice, SluiceOptions } from "./wiring/sluice.ts";

/**
 * The composition root. Each feature is built by its file in src/wiring from what is declared above it
 * (nothing refers to a later one: features hear of incidents through the event bus). Modules start in
 * this order and shut down in reverse: the HTTP server and sources stop first, then ingest, then the
 * features that follow its events, the delivery worker, and the store last.
 */
export async function createSluice(config: SluiceConfig, options: SluiceOptions = {}): Promise<Sluice> {
  const base = await wireBase(config, options);
  const delivery = wireDelivery(base);
  const catalog = wireCatalog(base);
  const changes = await wireChanges(base);
  const knowledge = wireTraceKnowledge(base);
  const { enricher, similar } = wireEnrichment(base, catalog.catalog, knowledge);
  const platforms = new Set(delivery.connectors.keys());
  const lifecycle = wireLifecycle(base, platforms);
  const affectedUsers = wireAffectedUsers(base, lifecycle);
  const summaries = wireSummaries(base);
  const merger = wireSymptomMerger(base, lifecycle, knowledge);
  const investigation = wireInvestigation(base, catalog.catalog, similar);
  const remediation = wireRemediation(base, lifecycle);
  const timers = wireTimers(base, lifecycle);
  const retention = wireRetention(base);
  const sync = wireSync(base, lifecycle, remediation.remediator);
  const ingest = wireIngest(base, {
    ...{ ...catalog, ...changes, enricher, traces: knowledge, platforms, lifecycle, worker: delivery.worker },
  });
  const assembly = wireTraceAssembly(base, knowledge, ingest.runner, lifecycle);
  const kafka = wireKafka(base, ingest.intake, changes.intake);
  const webConsole = wireConsole(base);
  const detect = wireDetect(base, ingest.runner);
  const slis = wireSlis(base);
  const deadLetters = wireDeadLetters(base, ingest.consumer);
  const http = await wireServer(base, {
    ...{ ...delivery, ...summaries, ...assembly, intake: ingest.intake, lifecycle, changes, similar, console: webConsole },
    ...{ syncHandlers: sync.handlers, inboundSync: sync.inboundSync },
    features: [investigation.routes, remediation.routes, slis.routes, deadLetters.routes],
  });
  const before = [base, delivery, catalog, changes, affectedUsers, summaries, merger, investigation, remediation];
  const after = [retention, sync, ingest, assembly, detect, kafka, http];
  const order = [...before.map((wired) => wired.module), ...timers.modules, ...after.map((wired) => wired.module)];
  const wired = { base, delivery, lifecycle, timers, sync, ingest, retention, assembly, kafka, detect };
  return sluiceFacade(config, { ...wired, investigation, remediation, summaries, affectedUsers, merger, http }, order);
}
