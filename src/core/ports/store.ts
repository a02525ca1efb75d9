import type { Delivery, DeliveryStatus, NewDelivery } from "../delivery.ts";
import type { Incident, IncidentState } from "../incident.ts";
import type { InvestigationDelivery } from "../investigation.ts";
import type { Severity, Signal } from "../signal.ts";
import type { Ticket } from "../ticket.ts";
import type { NewTimelineEvent, TimelineEvent } from "../timeline.ts";
import type { ChangeRepository } from "./change-repository.ts";
import type { DetectRepository } from "./detect-repository.ts";
import type { IngestDeadLetterRepository } from "./ingest-dead-letters.ts";
import type { IngestLogRepository } from "./ingest-log.ts";
import type { InstanceKeys } from "./instance-keys.ts";
import type { InvestigationRepository } from "./investigation-repository.ts";
import type { PatternRepository, PatternTemplateChange } from "./pattern-repository.ts";
import type { RemediationRepository } from "./remediation-repository.ts";
import type { Retention } from "./retention.ts";
import type { SimilarReads } from "./similar-reads.ts";
import type { SliReads } from "./sli-reads.ts";
import type { TraceRepository } from "./trace-repository.ts";

/** What happened to one accepted signal. */
export type SignalOutcome = "gated" | "suppressed" | "duplicate" | "deduplicated" | "opened" | "resolved" | "unmatched";

/** A signal as stored, with the decision taken on it. */
export interface StoredSignal {
  signal: Signal;
  fingerprint: string;
  outcome: SignalOutcome;
  outcomeReason: string | null;
  incidentId: string | null;
}

/** Who an incident is about and whether it is still open: what a check made for every new incident reads. */
export interface IncidentHead {
  id: string;
  key: string;
  tenant: string;
  service: string;
  environment: string;
  state: IncidentState;
}

/** The view of an unresolved incident that correlation needs. */
export interface OpenIncident {
  id: string;
  number: number;
  fingerprint: string;
  kind: Incident["kind"];
  severity: Severity;
  state: IncidentState;
  firstSeenAt: number;
  lastSeenAt: number;
  platforms: string[];
  version: number;
  /** When it was resolved (only for recently resolved incidents, which a new signal may reopen). */
  resolvedAt?: number | null;
  /** Resolved because it went quiet, not by a person or its source (set by the ingest runner). */
  resolvedQuietly?: boolean;
  /** Alert keys of this incident still firing (alert incidents only). */
  firingAlerts: Set<string>;
}

/**
 * A change to an existing incident, applied only if nobody changed it since `expectedVersion`, except
 * one that only counts signals in (see {@link countsSignalsOnly}).
 */
export interface IncidentChange {
  id: string;
  expectedVersion: number;
  /**
   * Applies only at `expectedVersion` even if it only counts signals: the plan decided on something the
   * version guards beyond the count (an alert resolved while others still fire: two replicas resolving
   * the last alerts at once must not both leave the incident open).
   */
  versioned?: boolean;
  at: number;
  addSignals: number;
  set: Partial<
    Pick<
      Incident,
      | "lastSeenAt"
      | "severity"
      | "priority"
      | "state"
      | "acknowledgedAt"
      | "resolvedAt"
      | "escalationLevel"
      | "title"
      | "summary"
      | "summarySource"
      | "context"
      | "platforms"
    >
  >;
}

/**
 * Whether a change only counts signals in: more signals and a later last-seen time, nothing else.
 * Such changes commute (the store adds the count and keeps the later time), so they apply to any
 * unresolved incident whatever changed since it was read, and replicas joining signals to one hot
 * incident do not make each other plan again. Resolved since it was read, the change is refused
 * (CONFLICT) and its signals planned again. Every change, this kind too, bumps the version, so a
 * decision taken on the older count or time (a resolve after a quiet gap) is planned again.
 */
export function countsSignalsOnly(change: IncidentChange): boolean {
  if (change.addSignals <= 0 || change.versioned) return false;
  for (const field in change.set) if (field !== "lastSeenAt") return false;
  return true;
}

export type NewIncident = Omit<Incident, "number" | "key" | "version" | "summarySource">;

/** A durable timer: fires at `dueAt` in whichever process claims it. */
export interface Timer {
  id: string;
  kind: "escalate";
  incidentId: string;
  /** Which repetition this is (1 for the first escalation). */
  step: number;
  dueAt: number;
}

export type NewTimer = Omit<Timer, "id">;

/** Everything one step of the pipeline or lifecycle writes, applied in one transaction. */
export interface ChangeSet {
  signals: StoredSignal[];
  newIncidents: NewIncident[];
  incidentChanges: IncidentChange[];
  alertStates: { incidentId: string; alertKey: string; status: "firing" | "resolved"; at: number }[];
  timeline: NewTimelineEvent[];
  deliveries: NewDelivery[];
  timers: NewTimer[];
  /** Generalised error-pattern templates, written with the signals that generalised them. */
  patterns?: PatternTemplateChange[];
  /**
   * Ingest-log entries whose signals this change set applies: deleted in the same transaction, and the
   * whole change set refused (LogEntryGone) if one is no longer there (another consumer applied it).
   */
  consumeLog?: number[];
}

export function emptyChangeSet(): ChangeSet {
  return { signals: [], newIncidents: [], incidentChanges: [], alertStates: [], timeline: [], deliveries: [], timers: [] };
}

export interface IncidentQuery {
  state?: IncidentState[];
  severity?: Severity[];
  service?: string;
  /** The owning team the catalog named (case-insensitive). */
  team?: string;
  /** Case-insensitive substring of the key (INC-n), title, service or team. */
  text?: string;
  since?: number;
  limit: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
}

/** Reads and writes of incidents and what hangs off them. */
export interface IncidentRepository {
  findOpen(fingerprints: readonly string[]): Promise<Map<string, OpenIncident>>;
  /** The latest incident per fingerprint resolved at or after `since`. */
  findResolvedSince(fingerprints: readonly string[], since: number): Promise<Map<string, OpenIncident>>;
  get(idOrKey: string): Promise<Incident | null>;
  /**
   * The incidents with these ids (not keys), by id; ids with no incident are left out. The outbox reads
   * a round's incidents with it: one read per row cost more than the rest of preparing a delivery.
   */
  getMany(ids: readonly string[]): Promise<Map<string, Incident>>;
  /** The heads of the incidents with these ids, by id; a narrow read (the symptom merger's, per new incident). */
  heads(ids: readonly string[]): Promise<Map<string, IncidentHead>>;
  /** Tickets on `platform` of unresolved incidents: what pollers ask their platform about. */
  linkedTickets(platform: string, limit: number): Promise<{ incidentId: string; externalId: string }[]>;
  /** The incident a platform's ticket belongs to. */
  byTicket(platform: string, externalId: string): Promise<Incident | null>;
  list(query: IncidentQuery): Promise<{ items: Incident[]; nextCursor: string | null }>;
  signals(incidentId: string, limit: number): Promise<Signal[]>;
  timeline(incidentId: string): Promise<TimelineEvent[]>;
  tickets(incidentId: string): Promise<Ticket[]>;
  /** Open anomaly incidents whose last signal is older than `before`. */
  quietAnomalies(before: number, limit: number): Promise<Incident[]>;
}

/** Which upstream ids were already stored: idempotent ingest. */
export interface SignalRepository {
  existing(keys: readonly { source: string; sourceId: string }[]): Promise<Set<string>>;
}

export interface DeliveryQuery {
  status?: DeliveryStatus;
  platform?: string;
  incidentId?: string;
  limit: number;
}

/** One delivery a platform accepted: when, and the ticket it created or updated (null: none to record). */
export interface DeliveredRecord {
  delivery: Delivery;
  now: number;
  ticket: Omit<Ticket, "createdAt" | "updatedAt"> | null;
}

/** The outbox: rows written with the incident change, claimed and completed by workers. */
export interface DeliveryRepository {
  /** Leases due rows, oldest first, at most one per (incident, platform) in order. */
  claim(now: number, limit: number, leaseMs: number, excludePlatforms: readonly string[]): Promise<Delivery[]>;
  delivered(delivery: Delivery, now: number, ticket: Omit<Ticket, "createdAt" | "updatedAt"> | null): Promise<void>;
  /**
   * `delivered` for a round's deliveries in one transaction: with every signal opening an incident, a
   * commit per delivery cost more than the rest of recording it.
   */
  deliveredAll(records: readonly DeliveredRecord[]): Promise<void>;
  retryLater(id: string, nextAttemptAt: number, error: string, now: number): Promise<void>;
  dead(id: string, error: string, now: number): Promise<void>;
  /**
   * Keeps `request` as what this delivery sends, unless one was kept before (an earlier attempt, maybe
   * cut short by a crash); returns the one kept. Retries send it again, byte for byte.
   */
  freeze(id: string, request: string): Promise<string>;
  /** `freeze` for a round's deliveries in one transaction; the kept requests, in the order given. */
  freezeAll(requests: readonly { id: string; request: string }[]): Promise<string[]>;
  /** The investigation report a delivery carries (stored with its row), null for any other delivery. */
  investigation(id: string): Promise<InvestigationDelivery | null>;
  /** Gives a claimed row back untried (its lease and the attempt are undone). */
  release(id: string): Promise<void>;
  /** Puts a dead row back in the queue, to be rendered afresh; false when it is not dead. */
  revive(id: string, now: number): Promise<boolean>;
  list(query: DeliveryQuery): Promise<Delivery[]>;
  get(id: string): Promise<Delivery | null>;
  ticket(incidentId: string, platform: string): Promise<Ticket | null>;
  /** Remembers a second id the platform uses for the ticket (see InboundEvent.platformId). */
  setPlatformId(incidentId: string, platform: string, platformId: string): Promise<void>;
  countByStatus(): Promise<Record<string, number>>;
}

/** Durable timers, claimed with a lease so exactly one process fires each. */
export interface TimerRepository {
  claimDue(now: number, limit: number, leaseMs: number): Promise<Timer[]>;
  /** Marks a timer fired (or no longer needed). */
  complete(id: string): Promise<void>;
  /** Unresolved incidents with no pending timer of `kind`: what the auditor checks. */
  incidentsWithoutTimer(kind: Timer["kind"], limit: number): Promise<Incident[]>;
}

/** The storage engine: repositories plus the one transactional write path. */
export interface Store {
  readonly incidents: IncidentRepository;
  readonly signals: SignalRepository;
  readonly deliveries: DeliveryRepository;
  readonly timers: TimerRepository;
  /** Deploys and configuration changes (src/changes). */
  readonly changes: ChangeRepository;
  /** Mined error patterns shared by every process (src/patterns/pattern-catalog.ts). */
  readonly patterns: PatternRepository;
  /** Spans, trace assembly and the service dependency graph (src/traces). */
  readonly traces: TraceRepository;
  /** Resolved incidents to compare new ones with, and how they ended (src/similar). */
  readonly similar: SimilarReads;
  /** Deletes what the retention settings no longer keep. */
  readonly retention: Retention;
  /** Keys generated once and shared by every replica (the affected-users hash key). */
  readonly keys: InstanceKeys;
  /** Investigation jobs and their versioned reports (src/investigate). */
  readonly investigations: InvestigationRepository;
  /** Detection rules' detector states and per-rule leases (src/detect). */
  readonly detect: DetectRepository;
  /** Remediation runs, their guardrails and the kill switch (src/remediate). */
  readonly remediations: RemediationRepository;
  /** What the ticketing SLIs are computed from (src/api/stats). */
  readonly sli: SliReads;
  /** The durable ingest log the pipeline consumes (issue 18). */
  readonly ingestLog: IngestLogRepository;
  /** The ingest log's dead letters: what operators see, retry and discard. */
  readonly ingestDeadLetters: IngestDeadLetterRepository;
  /** Applies a change set atomically and durably; returns the numbers given to new incidents. Throws CONFLICT on a stale version. */
  apply(changes: ChangeSet): Promise<Map<string, number>>;
  /**
   * Like apply, but resolves once committed, with `durable` resolving once the commit is on disk: the
   * ingest runner commits the next batch while the last one is being flushed. Stores whose commit is
   * already durable (PostgreSQL) leave it out.
   */
  applyThenSync?(changes: ChangeSet): Promise<{ numbers: Map<string, number>; durable: Promise<void> }>;
  /** Whether the store answers (for /readyz). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export function signalKey(source: string, sourceId: string): string {
  return `${source}\u0000${sourceId}`;
}
