import { isSluiceError, SluiceError } from "../../core/errors.ts";
import type { IngestLogRepository, NewLogEntry } from "../../core/ports/ingest-log.ts";
import type { Signal } from "../../core/signal.ts";
import type { IngestResult, IngestRunner } from "./ingest-runner.ts";
import type { LogBacklogMonitor } from "./log-backlog.ts";
import type { HandedOver, LogConsumer } from "./log-consumer.ts";

/** Where the intakes (HTTP routes, Kafka, OTLP logs) hand their signals; resolves once they are durably stored. */
export interface SignalIntake {
  submit(signals: Signal[], source?: string): Promise<IngestResult[]>;
}

export interface LogIntakeOptions {
  log: Pick<IngestLogRepository, "append">;
  /** With reserve/handOver, entries it has room for are applied from memory (no claim, no parse). */
  consumer: Pick<LogConsumer, "wake"> & Partial<Pick<LogConsumer, "reserve" | "unreserve" | "handOver">>;
  /** acknowledge: applied runs the pipeline on the request directly; only what fails there goes to the log. */
  runner: Pick<IngestRunner, "submit">;
  backlog: Pick<LogBacklogMonitor, "admit" | "appended">;
  /** Masks secrets in a signal, in place: nothing unredacted reaches the log. */
  redact(signal: Signal): void;
  /** applied: answer once the pipeline ran the entry (results with outcomes); logged: once the append is on disk. */
  acknowledge: "applied" | "logged";
  now?: () => number;
}

interface Waiting {
  entry: NewLogEntry;
  signals: Signal[];
  resolve(position: number): void;
  reject(error: unknown): void;
}

/**
 * Acknowledges from the durable ingest log: redacts, appends one entry per request with every request
 * of the moment in one transaction (group commit, one fsync), and answers once it is on disk.
 */
export class LogIntake implements SignalIntake {
  private readonly queue: Waiting[] = [];
  private running: Promise<void> | null = null;
  private stopped = false;
  private readonly now: () => number;
  private readonly durable = new Set<Promise<void>>();
  private inHand = 0;
  private lastSubmit = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: LogIntakeOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Signals handed in and not yet acknowledged or refused: background work yields while there are any. */
  get waiting(): number {
    return this.inHand;
  }

  /** When the last request was handed in (its clock): background work yields for a while after it too. */
  get lastSubmitAt(): number {
    return this.lastSubmit;
  }

  async submit(signals: Signal[], source = "api"): Promise<IngestResult[]> {
    if (this.stopped) throw new SluiceError("OVERLOADED", "Sluice is shutting down; retry on another replica");
    if (signals.length === 0) return [];
    this.lastSubmit = this.now();
    this.options.backlog.admit(signals.length);
    this.inHand += signals.length;
    try {
      return await this.store(signals, source);
    } finally {
      this.inHand -= signals.length;
    }
  }

  private async store(signals: Signal[], source: string): Promise<IngestResult[]> {
    for (const signal of signals) this.options.redact(signal);
    if (this.options.acknowledge === "applied") {
      // The pipeline's own commit stores the signals durably, as one transaction with their effects: writing
      // them to the log first would only write them twice (half the throughput, measured). The log takes
      // what the pipeline cannot apply now, so the consumer retries it and dead-letters what never applies.
      try {
        return await this.options.runner.submit(signals, { redacted: true });
      } catch (error) {
        if (isSluiceError(error) && error.code === "OVERLOADED") throw error; // nothing stored: the sender retries
      }
    }
    const appendedAt = this.now();
    const entry: NewLogEntry = {
      source,
      appendedAt,
      signalCount: signals.length,
      body: JSON.stringify(signals),
      leaseUntil: 0,
    };
    await new Promise<number>((resolve, reject) => {
      this.queue.push({ entry, signals, resolve, reject });
      this.running ??= this.drain();
    });
    this.options.backlog.appended(1, signals.length, appendedAt);
    if (entry.leaseUntil === 0) this.options.consumer.wake();
    return signals.map((signal) => ({ id: signal.id, outcome: "queued", incident: null, reason: null }));
  }

  /** Waits until every append so far is on disk; refuses new ones. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    while (this.running) await this.running;
    await Promise.all(this.durable);
  }

  private async drain(): Promise<void> {
    // Yield once so requests arriving in the same tick share the transaction.
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.queue.length);
        const reserved = this.reserve(batch);
        try {
          const { positions, durable } = await this.options.log.append(batch.map((w) => w.entry));
          // The next group commits while this one is flushed; its requests hear back once it is on disk.
          const settled = durable.then(
            () => {
              if (reserved > 0) this.handOver(batch, positions, reserved);
              for (const [i, waiting] of batch.entries()) waiting.resolve(positions[i] as number);
            },
            (error: unknown) => {
              if (reserved > 0) this.options.consumer.unreserve?.(reserved);
              for (const waiting of batch) waiting.reject(error);
            },
          );
          this.durable.add(settled);
          void settled.finally(() => this.durable.delete(settled));
        } catch (error) {
          if (reserved > 0) this.options.consumer.unreserve?.(reserved);
          for (const waiting of batch) waiting.reject(error);
        }
      }
    } finally {
      this.running = null;
    }
  }

  /**
   * logged: asks the consumer to take this group from memory once it is on disk; when it has room, the
   * entries are appended already claimed by this process. Returns the signals reserved (0: none).
   */
  private reserve(batch: readonly Waiting[]): number {
    const { consumer, acknowledge } = this.options;
    if (acknowledge !== "logged" || !consumer.reserve || !consumer.handOver) return 0;
    const signals = batch.reduce((sum, w) => sum + w.entry.signalCount, 0);
    const leaseUntil = consumer.reserve(signals);
    if (leaseUntil === null) return 0;
    for (const waiting of batch) waiting.entry.leaseUntil = leaseUntil;
    return signals;
  }

  private handOver(batch: readonly Waiting[], positions: readonly number[], reserved: number): void {
    const items: HandedOver[] = batch.map((waiting, i) => ({
      entry: {
        position: positions[i] as number,
        source: waiting.entry.source,
        appendedAt: waiting.entry.appendedAt,
        signalCount: waiting.entry.signalCount,
        body: waiting.entry.body,
        attempts: 1,
      },
      signals: waiting.signals,
    }));
    this.options.consumer.handOver?.(items, reserved);
  }
}
