import { isSluiceError } from "../../core/errors.ts";
import { type IngestLogRepository, type LogEntry, LogEntryGone } from "../../core/ports/ingest-log.ts";
import type { Signal } from "../../core/signal.ts";
import type { IngestResult, SubmitOptions } from "./ingest-runner.ts";
import type { LogMetrics } from "./log-metrics.ts";

export interface LogConsumerOptions {
  log: IngestLogRepository;
  runner: { submit(signals: Signal[], options?: SubmitOptions): Promise<IngestResult[]>; readonly batchCapacity?: number };
  metrics: LogMetrics;
  /** Entries claimed at a time. */
  batchEntries: number;
  leaseMs: number;
  /** Claims of an entry failing for a passing reason before it is dead-lettered. */
  maxAttempts: number;
  /** Looks for other replicas' entries this often (own appends wake it at once). */
  pollMs: number;
  logger?: { warn(object: object, message: string): void };
  now?: () => number;
}

/** An entry with its signals, parsed from its body or handed over by the process that appended it. */
export interface HandedOver {
  entry: LogEntry;
  signals: Signal[];
}

/** Claimed batches in flight at once: the next is planned while the last is flushed to disk. */
const IN_FLIGHT = 2;
// Ten attempts back off about 33 s in all: well inside ingest.maxLogAge's default, so one failing entry does not trip it.
const MAX_BACKOFF_MS = 10_000;
/**
 * Fewest of one consumer's signals the runner may hold at once. The window is twice the runner's next batch
 * (its batchCapacity) when that is larger: the next batch must be waiting while the last one is flushed,
 * or the runner idles for every fsync (measured: a pipeline behind the log applied 3.6k signals/s with
 * a window of 128, 11-14k/s with one that fills its batches). The runner's queue (50,000) never refuses
 * the consumer and the claimed entries stay close to their lease; how long each batch holds the event
 * loop is bounded by the runner itself (ingest.pipelineSlice, pipelineSliceBehind).
 */
const SIGNAL_WINDOW = 128;

/**
 * Whether a failure is the signal's own (its content breaks the pipeline: a bug it triggers, a value
 * the database refuses) rather than one that may pass (contention, shutdown, the store unreachable).
 * Unknown failures count as passing: retried with backoff, and dead-lettered after maxAttempts.
 */
function ownFailure(error: unknown): boolean {
  if (isSluiceError(error)) return ["VALIDATION_FAILED", "MALFORMED_BODY", "PAYLOAD_TOO_LARGE", "INTERNAL"].includes(error.code);
  if (error instanceof TypeError || error instanceof RangeError || error instanceof SyntaxError) return true;
  const code = String((error as { code?: unknown })?.code ?? "");
  // PostgreSQL data exceptions (22) and integrity violations (23); SQLite's counterparts.
  return /^2[23][0-9A-Z]{3}$/.test(code) || /^SQLITE_(CONSTRAINT|TOOBIG|MISMATCH)/.test(code);
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? `${error.name === "SluiceError" ? "" : `${error.name}: `}${error.message}` : String(error);
}

/**
 * The pipeline behind the ingest log: claims entries (a lease, SKIP LOCKED on PostgreSQL, so one
 * replica applies each), runs them through the ingest runner and deletes each in the transaction that
 * writes its effects. An entry that fails is tried alone; one of several signals is split into one
 * entry per signal; a signal that cannot be applied is dead-lettered with its reason, and one failing
 * for a passing reason is released with backoff and dead-lettered after maxAttempts. Nothing blocks
 * the entries behind it.
 */
export class LogConsumer {
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private pumping: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private paused = false;
  private inHand = 0;
  /** Signals reserved for, or handed over by, this process's own appends and not yet applied. */
  private handedOver = 0;
  private readonly handing = new Set<Promise<void>>();

  constructor(private readonly options: LogConsumerOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Signals claimed and not yet applied, released or dead-lettered; at least 1 while it works through
   * the log (between two claims too): background work yields to ingest while this is above 0.
   */
  get waiting(): number {
    return this.pumping ? Math.max(1, this.inHand) : this.inHand;
  }

  /** Applies what is waiting (a previous run's backlog) and polls for other replicas' appends. */
  start(): void {
    if (this.stopped) return;
    this.timer ??= setInterval(() => this.wake(), this.options.pollMs);
    this.timer.unref?.();
    this.wake();
  }

  /** Something was appended: claim it now. */
  wake(): void {
    if (this.stopped || this.paused) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = this.pump().finally(() => {
      this.pumping = null;
      if (this.again && !this.stopped) {
        this.again = false;
        this.wake();
      }
    });
  }

  /** Applies everything in the log now (what this process can claim), then returns. */
  async drain(): Promise<void> {
    do {
      this.again = false;
      this.wake();
      while (this.pumping || this.handing.size > 0) await Promise.all([this.pumping, ...this.handing]);
    } while (this.again && !this.stopped && !this.paused);
  }

  /**
   * An append of this process's own is about to be made: when the consumer is running, not working
   * through a backlog (so nothing older waits in the log) and has room, it takes the entries from memory
   * once they are on disk. Returns the lease to append them with (claimed by this process, attempts 1),
   * or null: append them unclaimed and wake the consumer as usual. A crash leaves them leased: the next
   * SQLite start releases every lease, and on PostgreSQL the lease runs out, so they are applied then.
   */
  reserve(signals: number): number | null {
    if (this.stopped || this.paused || this.pumping || this.handedOver + signals > this.window()) return null;
    this.handedOver += signals;
    return this.now() + this.options.leaseMs;
  }

  /** The reserved append failed: nothing to hand over. */
  unreserve(signals: number): void {
    this.handedOver -= signals;
  }

  /**
   * Applies reserved entries, now on disk, from memory: no claim, no parse. Through the same runner queue
   * (in submit order, behind what it already holds) and the same recovery as claimed entries.
   */
  handOver(items: readonly HandedOver[], reserved: number): void {
    if (this.stopped) {
      // Left leased in the log: applied after the restart (SQLite) or the lease (PostgreSQL).
      this.handedOver -= reserved;
      return;
    }
    this.inHand += reserved;
    const applying = this.apply(items)
      .catch((error: unknown) =>
        this.options.logger?.warn(
          { err: error },
          "ingest log: a batch failed to apply; its entries are retried after their lease",
        ),
      )
      .finally(() => {
        this.inHand -= reserved;
        this.handedOver -= reserved;
        this.handing.delete(applying);
      });
    this.handing.add(applying);
  }

  /** Stops claiming; waits for the entries in hand. */
  async shutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.stopped = true;
    while (this.pumping || this.handing.size > 0) await Promise.all([this.pumping, ...this.handing]);
  }

  private async pump(): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    try {
      while (!this.stopped) {
        // Requests waiting for an acknowledgement go first: the pipeline runs behind the log, not before it.
        await new Promise<void>((resolve) => setImmediate(resolve));
        const entries = await this.options.log.claim(this.now(), this.options.batchEntries, this.options.leaseMs);
        if (entries.length === 0) break;
        const claimed = entries.reduce((sum, entry) => sum + entry.signalCount, 0);
        this.inHand += claimed;
        const applying = this.applyBatch(entries)
          .catch((error: unknown) =>
            this.options.logger?.warn(
              { err: error },
              "ingest log: a batch failed to apply; its entries are retried after their lease",
            ),
          )
          .finally(() => {
            this.inHand -= claimed;
          });
        inFlight.add(applying);
        void applying.finally(() => inFlight.delete(applying));
        if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
      }
    } catch (error) {
      this.options.logger?.warn({ err: error }, "ingest log: could not claim entries; trying again at the next poll");
    } finally {
      await Promise.all(inFlight);
    }
  }

  private async applyBatch(entries: readonly LogEntry[]): Promise<void> {
    // Parsed one entry at a time as the runner takes them, not all at once: a claim of hundreds of
    // entries would otherwise hold the event loop for their parse in one stretch.
    await this.apply(entries.map((entry) => ({ entry, signals: null })));
  }

  private async apply(items: readonly { entry: LogEntry; signals: Signal[] | null }[]): Promise<void> {
    // One submit per entry: the runner commits them in group transactions, each deleting its entries.
    // At most window() signals wait in the runner at once, so the consumer never fills its queue.
    const submitted: { entry: LogEntry; submit: Promise<unknown> }[] = [];
    const waiting = new Set<Promise<unknown>>();
    let signalsWaiting = 0;
    for (const item of items) {
      const { entry } = item;
      while (signalsWaiting > 0 && signalsWaiting + entry.signalCount > this.window()) await Promise.race(waiting);
      const signals = item.signals ?? this.parse(entry);
      if (!signals) {
        await this.deadLetter(entry, "the entry's body is not a JSON array of signals", "unreadable");
        continue;
      }
      const submit = this.options.runner.submit(signals, { redacted: true, consume: [entry.position] });
      const done = submit.then(
        () => undefined,
        () => undefined,
      );
      signalsWaiting += signals.length;
      waiting.add(done);
      void done.then(() => {
        signalsWaiting -= signals.length;
        waiting.delete(done);
      });
      submitted.push({ entry, submit });
    }
    const settled = await Promise.allSettled(submitted.map((s) => s.submit));
    const lags: number[] = [];
    const now = this.now();
    for (const [i, outcome] of settled.entries()) {
      const { entry } = submitted[i] as { entry: LogEntry };
      if (outcome.status === "fulfilled") lags.push((now - entry.appendedAt) / 1000);
    }
    if (lags.length > 0) this.options.metrics.applied(lags);
    for (const [i, outcome] of settled.entries()) {
      if (outcome.status === "rejected") await this.recover((submitted[i] as { entry: LogEntry }).entry, outcome.reason);
    }
  }

  /** An entry failed, maybe only for sharing a transaction with a bad one: try it alone, then decide. */
  private async recover(entry: LogEntry, first: unknown): Promise<void> {
    if (first instanceof LogEntryGone) return;
    let error = first;
    if (ownFailure(error)) {
      const signals = this.parse(entry);
      if (!signals) return;
      try {
        await this.options.runner.submit(signals, { redacted: true, consume: [entry.position] });
        this.options.metrics.applied([(this.now() - entry.appendedAt) / 1000]);
        return;
      } catch (alone) {
        if (alone instanceof LogEntryGone) return;
        error = alone;
      }
    }
    await this.failed(entry, error);
  }

  private async failed(entry: LogEntry, error: unknown): Promise<void> {
    const { log, logger, maxAttempts } = this.options;
    const reason = reasonOf(error);
    if (!ownFailure(error)) {
      if (entry.attempts >= maxAttempts) {
        await this.deadLetter(entry, `failed ${entry.attempts} times; last: ${reason}`, "attempts");
        return;
      }
      const backoff = Math.min(MAX_BACKOFF_MS, 100 * 2 ** (entry.attempts - 1));
      await log.release(entry.position, this.now() + backoff, reason).catch(() => undefined);
      return;
    }
    const signals = this.parse(entry);
    if (signals && signals.length > 1) {
      // Find the signal that fails: one entry each, the others then apply as usual.
      if (
        await log.split(
          entry.position,
          signals.map((signal) => JSON.stringify([signal])),
          this.now(),
        )
      ) {
        logger?.warn(
          { position: entry.position, signals: signals.length, reason },
          "ingest log: an entry failed; split to apply its signals one by one",
        );
        this.again = true;
      }
      return;
    }
    await this.deadLetter(entry, reason, "rejected");
  }

  private async deadLetter(entry: LogEntry, reason: string, cause: "rejected" | "attempts" | "unreadable"): Promise<void> {
    if (await this.options.log.deadLetter(entry.position, reason, this.now())) {
      this.options.metrics.deadLettered(cause, entry.signalCount);
      this.options.logger?.warn(
        { position: entry.position, source: entry.source, signals: entry.signalCount, reason },
        "ingest log: dead-lettered a signal the pipeline cannot apply",
      );
    }
  }

  /** Most signals waiting in the runner: two of its batches, the next planned while the last is flushed. */
  private window(): number {
    return Math.max(SIGNAL_WINDOW, 2 * (this.options.runner.batchCapacity ?? 0));
  }

  private parse(entry: LogEntry): Signal[] | null {
    try {
      const signals = JSON.parse(entry.body) as unknown;
      return Array.isArray(signals) ? (signals as Signal[]) : null;
    } catch {
      return null;
    }
  }

  /** For `ingest.paused`: appends are kept, nothing is applied. */
  pause(): void {
    this.paused = true;
  }
}
