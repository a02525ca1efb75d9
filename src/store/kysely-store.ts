import type { Kysely } from "kysely";
import type { ChangeRepository } from "../core/ports/change-repository.ts";
import type { DetectRepository } from "../core/ports/detect-repository.ts";
import type { IngestDeadLetterRepository } from "../core/ports/ingest-dead-letters.ts";
import type { IngestLogRepository } from "../core/ports/ingest-log.ts";
import type { InstanceKeys } from "../core/ports/instance-keys.ts";
import type { InvestigationRepository } from "../core/ports/investigation-repository.ts";
import type { PatternRepository } from "../core/ports/pattern-repository.ts";
import type { RemediationRepository } from "../core/ports/remediation-repository.ts";
import type { Retention } from "../core/ports/retention.ts";
import type { SimilarReads } from "../core/ports/similar-reads.ts";
import type { SliReads } from "../core/ports/sli-reads.ts";
import type {
  ChangeSet,
  DeliveryRepository,
  IncidentRepository,
  SignalRepository,
  Store,
  TimerRepository,
} from "../core/ports/store.ts";
import type { TraceRepository } from "../core/ports/trace-repository.ts";
import { KyselyChangeRepository } from "./changes-repository.ts";
import { KyselyDetectRepository } from "./detect-repository.ts";
import { KyselyIngestDeadLetters, type RetryDeadLetters } from "./ingest-dead-letters.ts";
import { KyselyInstanceKeys } from "./instance-keys.ts";
import { KyselyInvestigationRepository } from "./investigations-repository.ts";
import { KyselyRemediationRepository } from "./remediation-repository.ts";
import { KyselyRetention } from "./retention.ts";
import type { Tables } from "./rows.ts";
import { KyselySimilarReads } from "./similar-reads.ts";
import { KyselySliReads } from "./sli-reads.ts";
import { KyselyTraceRepository, type RunAtomically } from "./traces-repository.ts";

/**
 * Everything that differs between SQLite and PostgreSQL, in one object per engine (sqlite/sqlite-dialect.ts,
 * postgres/postgres-dialect.ts); the rest of the store is the shared Kysely code in this folder.
 */
export interface StoreDialect {
  /** Hot-path reads and claims written per engine (prepared statements on SQLite, row locks on PostgreSQL). */
  readonly incidents: IncidentRepository;
  readonly signals: SignalRepository;
  readonly deliveries: DeliveryRepository;
  readonly timers: TimerRepository;
  readonly patterns: PatternRepository;
  /** The durable ingest log (issue 18). */
  readonly ingestLog: IngestLogRepository;
  /** Moves waiting dead letters back to the ingest log in one transaction. */
  readonly retryDeadLetters: RetryDeadLetters;
  /** Runs compiled statements in one transaction. */
  readonly atomically: RunAtomically;
  /** Whether claims lock the rows they pick (FOR UPDATE SKIP LOCKED): replicas claim concurrently. */
  readonly lockClaimedRows: boolean;
  /** Commits a change set with its pattern templates; `durable` resolves once the commit is on disk. */
  commit(changes: ChangeSet): Promise<{ numbers: Map<string, number>; durable: Promise<void> }>;
  /** Whether `commit` resolves before the commit is durable (see Store.applyThenSync). */
  readonly durableLater: boolean;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** The store of both engines: the shared repositories plus the engine's dialect object. */
export class KyselyStore implements Store {
  readonly incidents: IncidentRepository;
  readonly signals: SignalRepository;
  readonly deliveries: DeliveryRepository;
  readonly timers: TimerRepository;
  readonly changes: ChangeRepository;
  readonly patterns: PatternRepository;
  readonly traces: TraceRepository;
  readonly similar: SimilarReads;
  readonly sli: SliReads;
  readonly retention: Retention;
  readonly investigations: InvestigationRepository;
  readonly detect: DetectRepository;
  readonly remediations: RemediationRepository;
  readonly keys: InstanceKeys;
  readonly ingestLog: IngestLogRepository;
  readonly ingestDeadLetters: IngestDeadLetterRepository;
  readonly applyThenSync?: Store["applyThenSync"];

  protected constructor(
    db: Kysely<Tables>,
    private readonly dialect: StoreDialect,
  ) {
    this.incidents = dialect.incidents;
    this.signals = dialect.signals;
    this.deliveries = dialect.deliveries;
    this.timers = dialect.timers;
    this.patterns = dialect.patterns;
    this.ingestLog = dialect.ingestLog;
    this.ingestDeadLetters = new KyselyIngestDeadLetters(db, dialect.retryDeadLetters);
    this.changes = new KyselyChangeRepository(db);
    this.similar = new KyselySimilarReads(db);
    this.sli = new KyselySliReads(db);
    this.retention = new KyselyRetention(db);
    this.traces = new KyselyTraceRepository(db, dialect);
    this.investigations = new KyselyInvestigationRepository(db, dialect.lockClaimedRows);
    this.detect = new KyselyDetectRepository(db, dialect.atomically);
    this.remediations = new KyselyRemediationRepository(db, dialect.lockClaimedRows);
    this.keys = new KyselyInstanceKeys(db);
    // Only an engine whose commit is durable later offers it: the ingest runner then commits the next batch meanwhile.
    if (dialect.durableLater) this.applyThenSync = (changes) => dialect.commit(changes);
  }

  async apply(changes: ChangeSet): Promise<Map<string, number>> {
    const { numbers, durable } = await this.dialect.commit(changes);
    await durable;
    return numbers;
  }

  ping(): Promise<boolean> {
    return this.dialect.ping();
  }

  close(): Promise<void> {
    return this.dialect.close();
  }
}
