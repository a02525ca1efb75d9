import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { SluiceMetrics } from "../api/metrics.ts";
import type { SluiceConfig } from "../config/schema.ts";
import type { Connector, ConnectorFactory, HttpClient } from "../connectors/connector.ts";
import type { Clock } from "../core/clock.ts";
import type { EventSubscriber } from "../core/events.ts";
import type { Store } from "../core/ports/store.ts";
import type { OutboxWorker } from "../delivery/outbox-worker.ts";
import type { RuleScheduler } from "../detect/rule-scheduler.ts";
import type { Investigator } from "../investigate/investigator.ts";
import type { EscalationTimers } from "../lifecycle/escalation.ts";
import type { LifecycleService } from "../lifecycle/lifecycle-service.ts";
import type { QuietResolver } from "../lifecycle/quiet-resolver.ts";
import type { InboundSync } from "../lifecycle/sync/inbound-sync.ts";
import type { PollRunner } from "../lifecycle/sync/poll-runner.ts";
import type { SymptomMerger } from "../pipeline/correlate/symptom-merger.ts";
import type { AffectedUsersRefresher } from "../pipeline/enrich/affected-users-refresher.ts";
import type { Summarizer } from "../pipeline/enrich/llm/summarizer.ts";
import type { SummaryQueue } from "../pipeline/enrich/summary-queue.ts";
import type { IngestRunner } from "../pipeline/ingest/ingest-runner.ts";
import type { LogConsumer } from "../pipeline/ingest/log-consumer.ts";
import type { LogIntake } from "../pipeline/ingest/log-intake.ts";
import type { Remediator } from "../remediate/remediator.ts";
import type { Authenticator } from "../sources/http/auth.ts";
import type { KafkaSource } from "../sources/kafka/kafka-source.ts";
import type { Traces } from "../sources/otlp/traces.ts";
import type { RetentionJob } from "../store/retention-job.ts";

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
  /** The connectors Sluice knows (default: src/connectors/registry.ts); tests add platforms of their own. */
  connectorFactories?: readonly ConnectorFactory[];
}

/** A wired Sluice: every stage, ready to serve or replay. */
export interface Sluice {
  config: SluiceConfig;
  logger: Logger;
  store: Store;
  /** Domain events (incident opened, changed, resolved; batch committed): where features subscribe. */
  events: EventSubscriber;
  runner: IngestRunner;
  /** Where the intakes append: the durable ingest log (issue 18). */
  intake: LogIntake;
  /** The pipeline behind the ingest log: `drain()` applies everything appended so far. */
  ingestLog: LogConsumer;
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
  /** Detection rules' scheduler, when `detect.rules` has any. */
  detect: RuleScheduler | null;
  summarizer: Summarizer;
  /** Background LLM summaries, when `llm` is configured and enabled. */
  summaries: SummaryQueue | null;
  /** Recounts affected users as signals naming them join incidents. */
  affectedUsers: AffectedUsersRefresher;
  /** Merges symptom incidents into a root cause's that opened after them (traces.mergeSymptoms). */
  symptomMerger: SymptomMerger | null;
  /** Background investigations (`investigation.enabled`); null when off. */
  investigator: Investigator | null;
  /** Self-healing playbooks (`remediation.enabled`); null when off. */
  remediator: Remediator | null;
  metrics: SluiceMetrics;
  connectors: ReadonlyMap<string, Connector>;
  server: FastifyInstance;
  auth: Authenticator;
  /** The modules in start order (shut down in reverse). */
  modules: readonly string[];
  /** Starts the background workers (delivery, auto-resolve, escalation). */
  start(): void;
  /** Joins the configured Kafka consumer group; rejects when the brokers cannot be reached. */
  startSources(): Promise<void>;
  /** Drains ingest and delivery, then closes everything. */
  close(): Promise<void>;
}
