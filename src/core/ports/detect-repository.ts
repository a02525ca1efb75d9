/** A detector's persisted state for one series of one rule. */
export interface StoredDetectorState {
  /** The series' identity within the rule (its sorted labels). */
  series: string;
  /** The detector's `snapshot()`, a plain JSON-serialisable object. */
  state: unknown;
  /** When the detector last evaluated this series (epoch ms). */
  updatedAt: number;
}

/** Which stored signals a signal-stream rule counts, in buckets of `stepMs` ending at from, from + step, …, to. */
export interface SignalCountQuery {
  from: number;
  to: number;
  stepMs: number;
  /** One series per service, or per service and error pattern. */
  by: "service" | "pattern";
  /** Signal kinds counted (e.g. log, alert, anomaly). */
  kinds: readonly string[];
  /** Sources never counted (a rule's own detections must not feed it). */
  excludeSources: readonly string[];
}

/** One series of signal counts: per bucket end time, the firing signals received in (t − step, t]. */
export interface SignalCountSeries {
  service: string;
  /** The error pattern (template), when counted by pattern. */
  pattern: string | null;
  /** [bucket end time, count] for every bucket of the query, zeros included. */
  counts: [number, number][];
}

/** What a replica learns when it holds a rule's lease: where the rule's evaluation stopped. */
export interface RuleLease {
  /** The last evaluation time committed for the rule, or null before the first. */
  evaluatedUntil: number | null;
}

/**
 * Detection rules' state (src/detect): each rule's detector states, and a lease per rule so that exactly one
 * replica evaluates it at a time. States are written only by the holder of the rule's lease.
 */
export interface DetectRepository {
  /**
   * Takes or renews the lease on `rule` for `owner` until `now + ttlMs`; null while another owner holds an
   * unexpired lease. Atomic across replicas: of two asking at once, one gets it.
   */
  acquire(rule: string, owner: string, now: number, ttlMs: number): Promise<RuleLease | null>;
  /** Gives the lease up (on shutdown) so another replica takes the rule over at once; a no-op for a non-holder. */
  release(rule: string, owner: string): Promise<void>;
  /** Every stored series state of `rule`. */
  states(rule: string): Promise<StoredDetectorState[]>;
  /**
   * Writes the series' states and the rule's progress in one transaction, if `owner` still holds the lease;
   * false (nothing written) when it does not.
   */
  save(rule: string, owner: string, evaluatedUntil: number, states: readonly StoredDetectorState[]): Promise<boolean>;
  /** Forgets series of `rule` not evaluated since `before` (series that left the query's result). */
  forget(rule: string, before: number): Promise<number>;
  /**
   * Counts stored firing signals by receive time (signal-stream rules): a series for each service, or service and
   * error pattern, with at least one signal in the range. Reads only the range (signals are ordered by arrival).
   */
  signalCounts(query: SignalCountQuery): Promise<SignalCountSeries[]>;
  /** When each of these error-pattern templates was first mined; templates no longer stored are left out. */
  patternsFirstSeen(templates: readonly string[]): Promise<Map<string, number>>;
}
