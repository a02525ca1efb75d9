/**
 * The Kafka source (src/sources/kafka) against a real Kafka broker, with a real producer of the same
 * client library (@platformatic/kafka) and an in-process Sluice (":memory:" store, dry run).
 *
 * Needs: a Kafka broker (3.5 or newer, PLAINTEXT, allowed to create and delete topics).
 * - Your own: SLUICE_TEST_KAFKA_BROKERS=host:port[,host:port...].
 * - Otherwise scripts/kafka.sh provisions one: the official Apache Kafka jars from Maven Central
 *   (needs java 17+ and mvn; cached in .cache/kafka/libs), a single KRaft node on a free loopback
 *   port that keeps running between test runs (stop it with `scripts/kafka.sh stop`).
 * Each run uses fresh topics and consumer groups (random names) and deletes its topics at the end.
 * When no broker can be provisioned the suite is skipped with a warning; with CI=true it fails.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { Admin, Consumer, type Message, ProduceAcks, Producer, stringSerializers } from "@platformatic/kafka";
import pino from "pino";
import type { KafkaSourceConfig } from "../src/config/kafka-config.ts";
import { parseConfig } from "../src/config/loader.ts";
import { SluiceError } from "../src/core/errors.ts";
import type { Signal } from "../src/core/signal.ts";
import { createSluice, type Sluice } from "../src/main.ts";
import { DEAD_LETTER_HEADERS } from "../src/sources/kafka/dead-letter.ts";
import { prometheusKafkaMetrics } from "../src/sources/kafka/kafka-metrics.ts";
import { KafkaSource } from "../src/sources/kafka/kafka-source.ts";
import { eventually } from "./support/eventually.ts";
import { missingPeer } from "./support/missing-peer.ts";
import { provision } from "./support/provision.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function brokers(): { brokers: string[] } | { problem: string } {
  const given = process.env.SLUICE_TEST_KAFKA_BROKERS;
  if (given) return { brokers: given.split(",").map((b) => b.trim()) };
  // About 20 s on a cold cache (Maven download, format, start); well under a second once it runs.
  const found = provision("kafka.sh");
  return "problem" in found ? found : { brokers: found.output };
}

const PARTITIONS = 3;
const VALID_PER_PARTITION = 100;
const MAX_RECORD_BYTES = 4096;

function event(id: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_id: id,
    "@timestamp": new Date().toISOString(),
    anomaly_type: "error_rate",
    anomaly_score: 0.95,
    service: `svc-${id.split("-")[1]}`,
    tenant_id: "acme",
    error_message: `timeout calling bank for request ${id}`,
    ...fields,
  };
}

const found = brokers();
if ("problem" in found) {
  missingPeer(
    "kafka source",
    found.problem,
    "set SLUICE_TEST_KAFKA_BROKERS=host:port, or let scripts/kafka.sh provision a broker",
  );
} else {
  const bootstrapBrokers = found.brokers;
  const run = randomBytes(4).toString("hex");
  const topic = `sluice-test-${run}`;
  const dlq = `${topic}.dlq`;
  const groupId = `sluice-test-${run}`;
  const admin = new Admin({ clientId: "sluice-test-admin", bootstrapBrokers });
  const producer = new Producer({ clientId: "sluice-test-producer", bootstrapBrokers, serializers: stringSerializers });
  // Not a group member: only reads the group's committed offsets and the partitions' ends.
  const probe = new Consumer({ clientId: "sluice-test-probe", bootstrapBrokers, groupId });
  let sluice: Sluice;
  let kafkaConfig: KafkaSourceConfig;
  let source: KafkaSource;
  let overloads = 3;
  let submitDelayMs = 0;
  const produced: string[] = [];

  async function produce(partition: number, value: string, headers: Record<string, string> = {}): Promise<void> {
    await producer.send({ messages: [{ topic, partition, key: `k${partition}`, value, headers }], acks: ProduceAcks.ALL });
  }

  async function behind(): Promise<number[]> {
    const partitions = [...Array(PARTITIONS).keys()];
    const [ends, commits] = await Promise.all([
      probe.listOffsets({ topics: [topic] }),
      probe.listCommittedOffsets({ topics: [{ topic, partitions }] }),
    ]);
    return partitions.map((p) => Number((ends.get(topic)?.[p] ?? 0n) - (commits.get(topic)?.[p] ?? -1n)));
  }

  async function storedCount(ids: readonly string[]): Promise<number> {
    const existing = await sluice.store.signals.existing(ids.map((sourceId) => ({ source: `kafka:${topic}`, sourceId })));
    return existing.size;
  }

  before(async () => {
    await admin.createTopics({ topics: [topic], partitions: PARTITIONS, replicas: 1 });
    await admin.createTopics({ topics: [dlq], partitions: 1, replicas: 1 });
    const { config } = parseConfig(
      {
        kafka: {
          enabled: true,
          brokers: bootstrapBrokers,
          groupId,
          topics: [topic],
          maxRecordBytes: MAX_RECORD_BYTES,
          maxInFlight: 40,
        },
      },
      {},
      root,
      "test",
    );
    // The test drives its own source (to script overloads), so the Sluice under it runs without Kafka.
    sluice = await createSluice(parseConfig({}, {}, root, "test").config, {
      dryRun: true,
      dataDir: ":memory:",
      processMetrics: false,
      logger: pino({ level: "silent" }),
    });
    sluice.start();
    const kafka = config.kafka;
    assert.ok(kafka);
    kafkaConfig = kafka;
    source = new KafkaSource({
      config: kafka,
      // The first submits are refused as the runner does when its queue is full: fetching must pause, then go on.
      runner: {
        async submit(signals: Signal[]) {
          if (overloads-- > 0) throw new SluiceError("OVERLOADED", "ingest queue is full");
          if (submitDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, submitDelayMs));
          return sluice.runner.submit(signals);
        },
      },
      clock: { now: () => Date.now() },
      logger: pino({ level: process.env.SLUICE_TEST_LOG ?? "silent" }),
      metrics: prometheusKafkaMetrics(sluice.metrics.registry),
      lagIntervalMs: 300,
      sessionTimeoutMs: 10_000,
    });
    await source.start();
  });

  after(async () => {
    await source?.shutdown();
    await sluice?.close();
    await probe.close().catch(() => {});
    await producer.close().catch(() => {});
    await admin.deleteTopics({ topics: [topic, dlq] }).catch(() => {});
    await admin.close().catch(() => {});
  });

  describe("kafka source", () => {
    it("stores every valid event, dead-letters poison records without stalling, and commits to the end", async () => {
      const poison: { partition: number; reason: string; value: string; headers?: Record<string, string> }[] = [
        { partition: 0, reason: "not-json", value: "{this is not json" },
        {
          partition: 1,
          reason: "unknown-schema-version",
          value: JSON.stringify(event("v-1-x")),
          headers: { schema_version: "2" },
        },
        { partition: 1, reason: "unknown-schema-version", value: JSON.stringify({ ...event("v-1-y"), schema_version: 3 }) },
        {
          partition: 2,
          reason: "oversized",
          value: JSON.stringify(event("big-2-x", { description: "x".repeat(MAX_RECORD_BYTES) })),
        },
        { partition: 2, reason: "validation-failed", value: JSON.stringify(event("bad-2-x", { anomaly_score: 7 })) },
      ];
      for (let i = 0; i < VALID_PER_PARTITION; i++) {
        for (let partition = 0; partition < PARTITIONS; partition++) {
          const id = `evt-${partition}-${i}-${run}`;
          produced.push(id);
          // The supported version, given explicitly, in both places a producer may put it.
          const version: Record<string, string> = i % 3 === 0 ? { schema_version: "1" } : {};
          await produce(partition, JSON.stringify({ ...event(id), ...(i % 3 === 1 ? { schema_version: 1 } : {}) }), version);
        }
        // Poison records in the middle of their partitions: what follows them must still be stored.
        if (i === VALID_PER_PARTITION / 2) {
          for (const record of poison) await produce(record.partition, record.value, record.headers);
        }
      }

      await eventually("every valid event stored", async () =>
        (await storedCount(produced)) === produced.length ? true : undefined,
      );
      const lag = await eventually("committed offsets at the end of every partition", async () => {
        const left = await behind();
        return left.every((n) => n === 0) ? left : undefined;
      });
      assert.deepEqual(lag, [0, 0, 0]);

      const letters = await readDeadLetters(poison.length);
      const reasons = letters.map((m) => header(m, DEAD_LETTER_HEADERS.error)).sort();
      assert.deepEqual(reasons, poison.map((p) => p.reason).sort());
      for (const letter of letters) {
        assert.equal(header(letter, DEAD_LETTER_HEADERS.topic), topic);
        assert.match(header(letter, DEAD_LETTER_HEADERS.partition) ?? "", /^[0-2]$/);
        assert.match(header(letter, DEAD_LETTER_HEADERS.offset) ?? "", /^\d+$/);
        assert.ok((header(letter, DEAD_LETTER_HEADERS.detail) ?? "").length > 0);
        const original = poison.find(
          (p) => p.reason === header(letter, DEAD_LETTER_HEADERS.error) && p.value === letter.value?.toString("utf8"),
        );
        assert.ok(original, `dead letter carries the original value (${header(letter, DEAD_LETTER_HEADERS.error)})`);
        assert.equal(String(original.partition), header(letter, DEAD_LETTER_HEADERS.partition));
      }
      const invalid = letters.find((m) => header(m, DEAD_LETTER_HEADERS.error) === "validation-failed");
      assert.match(header(invalid as Message<Buffer, Buffer, Buffer, Buffer>, DEAD_LETTER_HEADERS.detail) ?? "", /anomaly_score/);
      // None of the poison records' events were stored.
      assert.equal(await storedCount(["v-1-x", "v-1-y", "big-2-x", "bad-2-x"]), 0);

      const text = await sluice.metrics.registry.metrics();
      assert.match(text, new RegExp(`sluice_kafka_records_total\\{topic="${topic}",outcome="stored"\\} ${produced.length}`));
      assert.match(text, new RegExp(`sluice_kafka_records_total\\{topic="${topic}",outcome="oversized"\\} 1`));
      assert.match(text, /sluice_kafka_paused 0/);
      assert.ok(overloads < 0, "the overloaded runner was retried");
      await eventually("consumer lag metric at 0", async () => {
        const metrics = await sluice.metrics.registry.metrics();
        const lines = metrics.split("\n").filter((l) => l.startsWith(`sluice_kafka_consumer_lag{topic="${topic}"`));
        return lines.length === PARTITIONS && lines.every((l) => l.endsWith(" 0")) ? true : undefined;
      });
    });

    it("redelivery is harmless: the same events again are stored once", async () => {
      const duplicates = async () =>
        Number((await sluice.metrics.registry.metrics()).match(/sluice_signals_total\{outcome="duplicate"\} (\d+)/)?.[1] ?? 0);
      const before = await duplicates();
      for (const id of produced.slice(0, 10)) await produce(0, JSON.stringify(event(id)));
      await eventually("the repeated records committed", async () => ((await behind()).every((n) => n === 0) ? true : undefined));
      assert.equal(await storedCount(produced), produced.length);
      assert.equal(await duplicates(), before + 10, "the store recognised all ten as duplicates");
    });

    it("a second member joins and leaves: the partitions are split, then taken back, nothing is lost", async () => {
      const second = new KafkaSource({
        config: kafkaConfig,
        runner: sluice.runner,
        clock: { now: () => Date.now() },
        logger: pino({ level: process.env.SLUICE_TEST_LOG ?? "silent" }),
        sessionTimeoutMs: 10_000,
      });
      await second.start();
      const ids: string[] = [];
      const produceSome = async (prefix: string) => {
        for (let i = 0; i < 60; i++) {
          const id = `${prefix}-${i % PARTITIONS}-${i}-${run}`;
          ids.push(id);
          await produce(i % PARTITIONS, JSON.stringify(event(id)));
        }
      };
      await produceSome("both");
      await eventually("the group split the partitions", async () => {
        const group = (await admin.describeGroups({ groups: [groupId] })).get(groupId);
        return group?.state === "STABLE" && group.members.size === 2 ? true : undefined;
      });
      await produceSome("split");
      await eventually("every event stored while two members consume", async () =>
        (await storedCount(ids)) === ids.length ? true : undefined,
      );
      await second.shutdown();
      await produceSome("after");
      await eventually("every event stored after the second member left", async () =>
        (await storedCount(ids)) === ids.length ? true : undefined,
      );
      await eventually("committed to the end again", async () => ((await behind()).every((n) => n === 0) ? true : undefined));
    });

    it("shutdown waits for in-flight records, commits them and leaves the group", async () => {
      // Slow stores, so shutdown begins while submits are in flight.
      submitDelayMs = 500;
      const late: string[] = [];
      for (let i = 0; i < 30; i++) {
        const id = `late-${i % PARTITIONS}-${i}-${run}`;
        late.push(id);
        await produce(i % PARTITIONS, JSON.stringify(event(id)));
      }
      await eventually("some late records read", async () =>
        (await storedCount(late)) > 0 || source.inFlight > 0 ? true : undefined,
      );
      await source.shutdown();
      assert.equal(source.inFlight, 0);
      const stored = await storedCount(late);
      const left = await behind();
      // Everything read before shutdown is stored and committed; anything not read stays for the next member.
      assert.equal(
        left.reduce((a, b) => a + b, 0),
        late.length - stored,
        `uncommitted ${left} vs unstored ${late.length - stored}`,
      );
      const groups = await admin.describeGroups({ groups: [groupId] });
      const group = groups.get(groupId);
      assert.equal(group?.members.size ?? 0, 0, "no member left in the group");
    });
  });

  describe("kafka source: change events", () => {
    it("stores change events from kafka.changesTopics once, dead-letters malformed ones, and commits", async () => {
      const changes = `${topic}-changes`;
      const signalsTopic = `${topic}-signals`;
      await admin.createTopics({ topics: [changes, `${changes}.dlq`, signalsTopic], partitions: 1, replicas: 1 });
      const { config } = parseConfig(
        {
          log: { level: "silent" },
          kafka: {
            enabled: true,
            brokers: bootstrapBrokers,
            groupId: `${groupId}-changes`,
            topics: [signalsTopic],
            changesTopics: [changes],
          },
        },
        {},
        root,
        "test",
      );
      // Wired as `sluice serve` wires it: change records go to the change intake, not the ingest runner.
      const withChanges = await createSluice(config, { dryRun: true, dataDir: ":memory:", processMetrics: false });
      try {
        await withChanges.startSources();
        const deploy = JSON.stringify({ id: `deploy-${run}`, service: "checkout", version: "v1.2.3" });
        const pagerDuty = JSON.stringify({ routing_key: "k", payload: { summary: "Deploy 220", source: "cart" } });
        for (const value of [deploy, pagerDuty, '{"service":', JSON.stringify({ kind: "deploy" }), deploy]) {
          await producer.send({ messages: [{ topic: changes, partition: 0, value }], acks: ProduceAcks.ALL });
        }
        const stored = await eventually("the change events stored", async () => {
          const found = await withChanges.store.changes.find({ from: 0, to: Number.MAX_SAFE_INTEGER, limit: 10 });
          return found.length >= 2 ? found : undefined;
        });
        const letters = await eventually("malformed change records dead-lettered and offsets committed", async () => {
          const text = await withChanges.metrics.registry.metrics();
          return /outcome="validation-failed"\} 1/.test(text) && /outcome="not-json"\} 1/.test(text) ? text : undefined;
        });
        assert.match(letters, new RegExp(`sluice_kafka_records_total\\{topic="${changes}",outcome="stored"\\} 3`));
        assert.deepEqual(stored.map((c) => c.service).sort(), ["cart", "checkout"], "the re-sent deploy is stored once");
        const committed = new Consumer({
          clientId: "sluice-test-probe-changes",
          bootstrapBrokers,
          groupId: `${groupId}-changes`,
        });
        try {
          await eventually("the changes topic committed to its end (5 records)", async () => {
            const commits = await committed.listCommittedOffsets({ topics: [{ topic: changes, partitions: [0] }] });
            return commits.get(changes)?.[0] === 5n ? true : undefined;
          });
        } finally {
          await committed.close();
        }
        assert.equal(
          stored.find((c) => c.service === "cart")?.sourceId,
          `kafka:${changes}:0:1`,
          "PagerDuty event without a timestamp: the record's position is its id",
        );
      } finally {
        await withChanges.close();
        await admin.deleteTopics({ topics: [changes, `${changes}.dlq`, signalsTopic] }).catch(() => {});
      }
    });
  });

  function header(message: Message<Buffer, Buffer, Buffer, Buffer>, name: string): string | undefined {
    for (const [key, value] of message.headers) if (key.toString() === name) return value.toString();
    return undefined;
  }

  async function readDeadLetters(count: number): Promise<Message<Buffer, Buffer, Buffer, Buffer>[]> {
    const reader = new Consumer({ clientId: "sluice-test-dlq", bootstrapBrokers, groupId: `${groupId}-dlq-reader` });
    try {
      const stream = await reader.consume({ topics: [dlq], mode: "earliest", autocommit: false, maxWaitTime: 200 });
      const letters: Message<Buffer, Buffer, Buffer, Buffer>[] = [];
      const timer = setTimeout(() => void stream.close(), 20_000);
      for await (const message of stream) {
        letters.push(message);
        if (letters.length >= count) break;
      }
      clearTimeout(timer);
      await stream.close();
      return letters;
    } finally {
      await reader.close(true);
    }
  }
}
