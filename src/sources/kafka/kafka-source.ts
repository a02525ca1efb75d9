import { Consumer, type Message, type MessagesStream, ProduceAcks, Producer } from "@platformatic/kafka";
import type { Logger } from "pino";
import { deadLetterTopicOf, type KafkaSourceConfig } from "../../config/kafka-config.ts";
import type { NormalizedChange } from "../../core/change.ts";
import type { Clock } from "../../core/clock.ts";
import { isSluiceError } from "../../core/errors.ts";
import type { Signal } from "../../core/signal.ts";
import type { IngestResult } from "../../pipeline/ingest/ingest-runner.ts";
import { decodeChangeRecord } from "../../pipeline/normalize/kafka-change-record.ts";
import { decodeRecord } from "../../pipeline/normalize/kafka-record.ts";
import { clientOptions } from "./client-options.ts";
import { type DeadLetter, deadLetterMessage, isTooLarge } from "./dead-letter.ts";
import { type KafkaMetrics, noKafkaMetrics, type RecordOutcome } from "./kafka-metrics.ts";
import { key, OffsetTracker } from "./offset-tracker.ts";

type KafkaMessage = Message<Buffer, Buffer, Buffer, Buffer>;

export interface KafkaSourceOptions {
  config: KafkaSourceConfig;
  /** Where signals go; submit resolves once they are durable (the IngestRunner). */
  runner: { submit(signals: Signal[]): Promise<IngestResult[]> };
  /** Where change events of `changesTopics` go; submit resolves once they are durable (the ChangeIntake). */
  changes?: { submit(changes: NormalizedChange[], transport: "kafka"): Promise<unknown> };
  clock: Clock;
  logger: Logger;
  metrics?: KafkaMetrics;
  /** How often consumer lag is measured (default 10 s). */
  lagIntervalMs?: number;
  /** Longest wait for in-flight records on shutdown before giving up on them (default 30 s); they are read again later. */
  shutdownTimeoutMs?: number;
  /** Consumer-group session timeout (default 30 s). */
  sessionTimeoutMs?: number;
}

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5000;
// A commit sent while the group rebalances can wait for the whole rebalance; later ones must not queue behind it.
const COMMIT_TIMEOUT_MS = 5000;
// Retries commits that failed (a rebalance) even when no further record finishes.
const COMMIT_INTERVAL_MS = 1000;

/**
 * Consumes signals from Kafka into the ingest runner, at least once: a record's offset is committed
 * only after its signals are stored (or it was written to the dead-letter topic), so a crash reads
 * it again, and the store ignores what it already has (same source and upstream id). Fetching pauses
 * while the runner is overloaded or too many records are in flight.
 */
export class KafkaSource {
  private readonly config: KafkaSourceConfig;
  private readonly metrics: KafkaMetrics;
  private readonly tracker = new OffsetTracker();
  private consumer: Consumer<Buffer, Buffer, Buffer, Buffer> | null = null;
  private producer: Producer<Buffer, Buffer, Buffer, Buffer> | null = null;
  private stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | null = null;
  private batch: KafkaMessage[] = [];
  private batchScheduled = false;
  private readonly work = new Set<Promise<void>>();
  private committing: Promise<void> | null = null;
  private commitAgain = false;
  private readonly pauseReasons = new Set<"in-flight" | "overloaded">();
  private owned = new Set<string>();
  private lagTimer: NodeJS.Timeout | null = null;
  private commitTimer: NodeJS.Timeout | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  /** Set when shutdown stopped waiting: unfinished work must neither retry nor commit. */
  private abandoned = false;

  constructor(private readonly options: KafkaSourceOptions) {
    this.config = options.config;
    this.metrics = options.metrics ?? noKafkaMetrics;
    if (this.config.changesTopics.length > 0 && !options.changes) {
      throw new Error("kafka.changesTopics is set but nothing stores change events");
    }
  }

  /** Joins the consumer group and starts consuming; resolves once the stream is set up. */
  async start(): Promise<void> {
    if (this.consumer) return;
    const { config, logger } = this.options;
    this.producer = new Producer({ ...clientOptions(config, "dlq"), acks: ProduceAcks.ALL, autocreateTopics: false });
    const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
      ...clientOptions(config, "consumer"),
      groupId: config.groupId,
      sessionTimeout: this.options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: Math.max(500, Math.floor((this.options.sessionTimeoutMs ?? 30_000) / 10)),
      rebalanceTimeout: 60_000,
    });
    this.consumer = consumer;
    consumer.on("consumer:group:join", (payload) => this.onAssigned(payload.assignments ?? consumer.assignments ?? []));
    // Commit what is done before giving partitions away, so their next owner reads as little again as possible.
    consumer.on("consumer:group:rebalance", () => this.scheduleCommit());
    consumer.on("consumer:heartbeat:error", ({ error }) => logger.warn({ err: error }, "kafka: heartbeat failed"));
    await this.consume();
    const interval = this.options.lagIntervalMs ?? 10_000;
    this.lagTimer = setInterval(
      () => void this.measureLag().catch((error) => logger.debug({ err: error }, "kafka: lag")),
      interval,
    );
    this.lagTimer.unref();
    this.commitTimer = setInterval(() => this.scheduleCommit(), COMMIT_INTERVAL_MS);
    this.commitTimer.unref();
    logger.info(
      { topics: config.topics, changesTopics: config.changesTopics, groupId: config.groupId, brokers: config.brokers },
      "kafka: consuming",
    );
  }

  /** Waits until every record read so far is stored or dead-lettered, and commits. */
  async flush(): Promise<void> {
    this.processBatch();
    while (this.work.size > 0) await Promise.all([...this.work]);
    await this.commit();
    // One failed commit (a rebalance in progress) is worth a second try before anyone relies on it.
    if (this.tracker.committable().length > 0) await this.commit();
  }

  /** Stops fetching, waits for in-flight records, commits their offsets and leaves the group. */
  async shutdown(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.lagTimer) clearInterval(this.lagTimer);
    if (this.commitTimer) clearInterval(this.commitTimer);
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.stream?.pause();
    const timeoutMs = this.options.shutdownTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    const outcome = await Promise.race([this.flush().then(() => "done" as const), timedOut]);
    clearTimeout(timer);
    if (outcome === "timeout") {
      this.abandoned = true;
      this.options.logger.warn(
        { inFlight: this.tracker.inFlight },
        "kafka: shutdown timed out waiting for in-flight records; they stay uncommitted and will be read again",
      );
      await this.commit();
    }
    await this.stream?.close().catch((error) => this.options.logger.warn({ err: error }, "kafka: closing the stream"));
    // close() leaves the group, so the partitions move to another member at once instead of after the session timeout.
    await this.consumer?.close().catch((error) => this.options.logger.warn({ err: error }, "kafka: leaving the group"));
    await this.producer?.close().catch((error) => this.options.logger.warn({ err: error }, "kafka: closing the producer"));
    this.options.logger.info("kafka: stopped");
  }

  /** Consumer lag per "topic:partition" as last measured; also exported as sluice_kafka_consumer_lag. */
  async measureLag(): Promise<Map<string, number>> {
    const consumer = this.consumer;
    const lag = new Map<string, number>();
    const assignments = consumer?.assignments ?? [];
    if (!consumer || assignments.length === 0) return lag;
    const topics = assignments.map((a) => a.topic);
    const [ends, commits] = await Promise.all([
      consumer.listOffsets({ topics }),
      consumer.listCommittedOffsets({ topics: assignments }),
    ]);
    for (const { topic, partitions } of assignments) {
      for (const partition of partitions) {
        const end = ends.get(topic)?.[partition];
        if (end === undefined) continue;
        const committed = commits.get(topic)?.[partition] ?? -1n;
        const value = Number(committed >= 0n ? end - committed : end);
        lag.set(key(topic, partition), value);
        this.metrics.lag(topic, partition, value);
      }
    }
    return lag;
  }

  /** Records read and not yet stored or dead-lettered. */
  get inFlight(): number {
    return this.tracker.inFlight;
  }

  private async consume(): Promise<void> {
    const consumer = this.consumer;
    if (!consumer || this.stopping) return;
    const { config, logger } = this.options;
    const stream = await consumer.consume({
      topics: [...config.topics, ...config.changesTopics],
      autocommit: false,
      mode: "committed",
      fallbackMode: "earliest",
      maxWaitTime: 500,
      // At least one whole record of the largest size we accept fits in a fetch.
      maxBytesPerPartition: Math.max(config.maxRecordBytes + 64 * 1024, 1024 * 1024),
      highWaterMark: Math.min(1024, config.maxInFlight),
    });
    this.stream = stream;
    stream.on("data", (record: KafkaMessage) => this.onRecord(record));
    stream.on("error", (error: Error) => {
      if (this.stopping) return;
      logger.error({ err: error }, "kafka: the consumer stream failed; consuming again in 1 s");
      this.stream = null;
      this.restartTimer = setTimeout(() => {
        this.restartTimer = null;
        this.consume().catch((e) => logger.error({ err: e }, "kafka: could not consume again"));
      }, 1000);
    });
    if (this.pauseReasons.size > 0) stream.pause();
  }

  private onAssigned(assignments: readonly { topic: string; partitions: number[] }[]): void {
    const owned = new Set<string>();
    for (const { topic, partitions } of assignments) for (const p of partitions) owned.add(key(topic, p));
    for (const name of this.owned) {
      if (owned.has(name)) continue;
      const at = name.lastIndexOf(":");
      this.metrics.forgetLag(name.slice(0, at), Number(name.slice(at + 1)));
    }
    this.owned = owned;
    this.tracker.retain(owned);
    this.options.logger.info({ partitions: [...owned] }, "kafka: partitions assigned");
  }

  private onRecord(record: KafkaMessage): void {
    // Read after shutdown began: leave it uncommitted; the group's next member reads it again.
    if (this.stopping) return;
    if (!this.tracker.track(record.topic, record.partition, record.offset)) return;
    this.batch.push(record);
    if (this.tracker.inFlight >= this.config.maxInFlight) this.pauseFor("in-flight");
    if (!this.batchScheduled) {
      this.batchScheduled = true;
      // Records of one fetch arrive in one tick: decode and submit them together (one transaction).
      setImmediate(() => this.processBatch());
    }
  }

  private processBatch(): void {
    this.batchScheduled = false;
    if (this.batch.length === 0) return;
    const records = this.batch;
    this.batch = [];
    const receivedAt = this.options.clock.now();
    const signals: Signal[] = [];
    const storing: KafkaMessage[] = [];
    const letters: DeadLetter[] = [];
    const changes: NormalizedChange[] = [];
    const changeRecords: KafkaMessage[] = [];
    for (const record of records) {
      const headers = new Map<string, string>();
      // A header may have a null value (undefined here, whatever the types say).
      for (const [name, value] of record.headers) headers.set(String(name ?? ""), value?.toString("utf8") ?? "");
      const raw = { topic: record.topic, partition: record.partition, offset: record.offset, value: record.value, headers };
      const options = { maxRecordBytes: this.config.maxRecordBytes, receivedAt };
      if (this.config.changesTopics.includes(record.topic)) {
        const decodedChanges = decodeChangeRecord(raw, options);
        if ("changes" in decodedChanges) {
          changes.push(...decodedChanges.changes);
          changeRecords.push(record);
        } else {
          letters.push({ ...record, reason: decodedChanges.reason, detail: decodedChanges.detail });
        }
        continue;
      }
      const decoded = decodeRecord(raw, options);
      if ("signals" in decoded) {
        signals.push(...decoded.signals);
        storing.push(record);
      } else {
        letters.push({ ...record, reason: decoded.reason, detail: decoded.detail });
      }
    }
    if (storing.length > 0) this.track(this.store(signals, storing));
    if (changeRecords.length > 0) this.track(this.storeChanges(changes, changeRecords));
    if (letters.length > 0) this.track(this.deadLetter(letters));
  }

  private track(promise: Promise<void>): void {
    const tracked = promise.catch((error) => this.options.logger.error({ err: error }, "kafka: unexpected failure"));
    this.work.add(tracked);
    void tracked.finally(() => this.work.delete(tracked));
  }

  private async store(signals: Signal[], records: KafkaMessage[]): Promise<void> {
    if (signals.length > 0) {
      for (let attempt = 0; ; attempt++) {
        if (this.abandoned) return;
        try {
          await this.options.runner.submit(signals);
          break;
        } catch (error) {
          if (isSluiceError(error) && error.code === "OVERLOADED") {
            this.pauseFor("overloaded");
          } else {
            this.options.logger.error({ err: error, attempt }, "kafka: storing signals failed; retrying");
          }
          await sleep(Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** attempt));
        }
      }
      this.unpause("overloaded");
    }
    this.finish(records, "stored");
  }

  private async storeChanges(changes: NormalizedChange[], records: KafkaMessage[]): Promise<void> {
    const sink = this.options.changes;
    if (sink && changes.length > 0) {
      for (let attempt = 0; ; attempt++) {
        if (this.abandoned) return;
        try {
          await sink.submit(changes, "kafka");
          break;
        } catch (error) {
          this.options.logger.error({ err: error, attempt }, "kafka: storing changes failed; retrying");
          await sleep(Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** attempt));
        }
      }
    }
    this.finish(records, "stored");
  }

  private async deadLetter(letters: DeadLetter[]): Promise<void> {
    const producer = this.producer;
    if (!producer) return;
    let truncate = false;
    for (let attempt = 0; ; attempt++) {
      if (this.abandoned) return;
      try {
        const messages = letters.map((letter) =>
          deadLetterMessage(letter, deadLetterTopicOf(this.config, letter.topic), truncate),
        );
        await producer.send({ messages });
        break;
      } catch (error) {
        if (isTooLarge(error) && !truncate) {
          truncate = true;
          continue;
        }
        this.options.logger.error(
          { err: error, attempt, topics: [...new Set(letters.map((l) => deadLetterTopicOf(this.config, l.topic)))] },
          "kafka: writing to the dead-letter topic failed (does it exist?); retrying, the partition waits",
        );
        await sleep(Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** attempt));
      }
    }
    for (const letter of letters) {
      this.options.logger.warn(
        {
          topic: letter.topic,
          partition: letter.partition,
          offset: String(letter.offset),
          reason: letter.reason,
          detail: letter.detail,
        },
        "kafka: record dead-lettered",
      );
    }
    this.finish(letters, null);
  }

  private finish(records: readonly (DeadLetter | KafkaMessage)[], outcome: "stored" | null): void {
    const byTopic = new Map<string, Map<RecordOutcome, number>>();
    for (const record of records) {
      this.tracker.finish(record.topic, record.partition, record.offset);
      const name = outcome ?? (record as DeadLetter).reason;
      const counts = byTopic.get(record.topic) ?? new Map<RecordOutcome, number>();
      counts.set(name, (counts.get(name) ?? 0) + 1);
      byTopic.set(record.topic, counts);
    }
    for (const [topic, counts] of byTopic) {
      for (const [name, count] of counts) this.metrics.records(topic, name, count);
    }
    if (this.tracker.inFlight < this.config.maxInFlight) this.unpause("in-flight");
    this.scheduleCommit();
  }

  private scheduleCommit(): void {
    void this.commit().catch((error) => this.options.logger.warn({ err: error }, "kafka: commit failed"));
  }

  /** Commits every partition's finished prefix; calls made while one runs share the next round. */
  private commit(): Promise<void> {
    if (this.committing) {
      this.commitAgain = true;
      return this.committing;
    }
    // finally() always runs in a later tick, so it cannot clear the field before it is set.
    const run = this.commitRounds().finally(() => {
      if (this.committing === run) this.committing = null;
    });
    this.committing = run;
    return run;
  }

  private async commitRounds(): Promise<void> {
    do {
      this.commitAgain = false;
      const offsets = this.tracker.committable();
      const consumer = this.consumer;
      if (offsets.length === 0 || !consumer) return;
      try {
        await withTimeout(consumer.commit({ offsets: offsets.map((o) => ({ ...o, leaderEpoch: -1 })) }), COMMIT_TIMEOUT_MS);
        for (const o of offsets) this.tracker.committed(o.topic, o.partition, o.offset);
      } catch (error) {
        // Usually a rebalance: the commit timer tries again; a new owner would read these records again, harmlessly.
        this.options.logger.warn({ err: error }, "kafka: offset commit failed; retrying");
        return;
      }
    } while (this.commitAgain);
  }

  private pauseFor(reason: "in-flight" | "overloaded"): void {
    if (this.pauseReasons.has(reason)) return;
    this.pauseReasons.add(reason);
    if (this.pauseReasons.size === 1) {
      this.options.logger.info({ reason }, "kafka: pausing fetches (backpressure)");
      this.stream?.pause();
      this.metrics.paused(true);
    }
  }

  private unpause(reason: "in-flight" | "overloaded"): void {
    if (!this.pauseReasons.delete(reason) || this.pauseReasons.size > 0) return;
    this.metrics.paused(false);
    if (this.stopping) return;
    this.options.logger.info("kafka: resuming fetches");
    this.stream?.resume();
  }
}

/** Rejects when the promise takes longer; the late result is ignored. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
