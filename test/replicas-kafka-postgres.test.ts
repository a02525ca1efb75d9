// Two Sluice replicas (real `sluice serve` processes) against one PostgreSQL (scripts/postgres.sh) and one
// 3-partition topic on a real Kafka broker (scripts/kafka.sh), with a webhook receiver in this process as
// the platform. 20,000 anomaly events for 40 problems are produced with a real producer while one replica is
// killed (SIGKILL) and restarted. Point it at your own services with SLUICE_TEST_KAFKA_BROKERS and
// SLUICE_TEST_DATABASE_URL. Skips loudly when they cannot be provisioned, except in CI.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { Admin, Consumer, ProduceAcks, Producer, stringSerializers } from "@platformatic/kafka";
import pg from "pg";
import { provision } from "./support/provision.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const EVENTS = 20_000;
const PROBLEMS = 40;
const PARTITIONS = 3;

function peer(script: string, envName: string): string | null {
  const given = process.env[envName];
  if (given) return given;
  const found = provision(script);
  return "problem" in found ? null : (found.output[0] as string);
}

const brokers = peer("kafka.sh", "SLUICE_TEST_KAFKA_BROKERS");
const adminUrl = peer("postgres.sh", "SLUICE_TEST_DATABASE_URL");

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

if (!brokers || !adminUrl) {
  const why = "SKIPPED: two-replica test needs a Kafka broker and PostgreSQL (scripts/kafka.sh, scripts/postgres.sh failed)";
  if (process.env.CI === "true") throw new Error(why);
  console.warn(why);
} else {
  describe("two replicas, one PostgreSQL, one 3-partition topic, a replica killed mid-stream", async () => {
    const id = randomBytes(4).toString("hex");
    const topic = `replicas-${id}`;
    const database = `sluice_replicas_${id}`;
    const dir = mkdtempSync(join(tmpdir(), "sluice-replicas-"));
    const bootstrapBrokers = brokers.split(",");

    // The platform: honours Idempotency-Key as real platforms honour their dedup keys.
    const tickets = new Map<string, number>();
    const receiver = createServer((request, response) => {
      const key = String(request.headers["idempotency-key"] ?? "");
      request.resume();
      request.on("end", () => {
        tickets.set(key, (tickets.get(key) ?? 0) + 1);
        response.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

    const admin = new Admin({ clientId: "replicas-admin", bootstrapBrokers });
    await admin.createTopics({ topics: [topic], partitions: PARTITIONS, replicas: 1 });
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    await client.query(`CREATE DATABASE ${database}`);
    await client.end();
    const url = new URL(adminUrl);
    url.pathname = `/${database}`;
    const databaseUrl = url.toString();

    const replicas: (ChildProcess | null)[] = [null, null];
    const start = (index: number) => {
      const file = join(dir, `replica-${index}.json`);
      writeFileSync(
        file,
        JSON.stringify({
          server: { port: 0 },
          storage: { databaseUrl },
          log: { level: "warn" },
          webhook: { enabled: true, url: hook, secret: "replica-test-secret-0123" },
          routing: { high: ["webhook"] },
          kafka: { enabled: true, brokers: bootstrapBrokers, topics: [topic], groupId: `replicas-${id}` },
        }),
      );
      replicas[index] = spawn(process.execPath, ["bin/sluice.js", "serve", "--config", file], { cwd: root, stdio: "ignore" });
    };
    const db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    // pool.end() resolves before its sockets have closed, so the DROP ... WITH (FORCE) below may still find
    // (and terminate) one: that is expected, not a failure. Unheard, it crashed the file under load.
    db.on("error", () => {});
    const count = async (sql: string) => Number((await db.query(sql)).rows[0].n);

    after(async () => {
      for (const child of replicas) child?.kill("SIGTERM");
      await new Promise((resolve) => setTimeout(resolve, 1500));
      for (const child of replicas) child?.kill("SIGKILL");
      await db.end();
      await admin.close().catch(() => {});
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await cleanup.end();
      receiver.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it("ends with 40 incidents, one ticket each, every event stored and every offset committed", async () => {
      start(0);
      start(1);
      await until(
        "the schema",
        async () => ((await count("SELECT count(*) AS n FROM incidents")) >= 0 ? true : undefined),
        60_000,
      );
      const producer = new Producer({ clientId: "replicas-producer", bootstrapBrokers, serializers: stringSerializers });
      for (let sent = 0; sent < EVENTS; sent += 500) {
        const messages = Array.from({ length: 500 }, (_, i) => {
          const n = sent + i;
          const problem = n % PROBLEMS;
          const value = JSON.stringify({
            event_id: `evt-${n}`,
            anomaly_score: 0.95,
            severity: "high",
            service: `svc-${problem % 20}`,
            error_message: `${problem < 20 ? "timeout calling upstream" : "connection pool exhausted"} after ${n % 997}ms for req-${n}`,
          });
          return { topic, partition: n % PARTITIONS, key: `p${n % PARTITIONS}`, value };
        });
        await producer.send({ messages, acks: ProduceAcks.ALL });
        // Paced, so the replicas consume while the stream is still arriving and the kill lands mid-stream.
        await new Promise((resolve) => setTimeout(resolve, 100));
        if (sent === 6_000) replicas[0]?.kill("SIGKILL");
        if (sent === 12_000) start(0);
      }
      await producer.close();

      const stored = await until(
        "every event stored",
        async () => {
          const n = await count("SELECT count(*) AS n FROM signals");
          return n >= EVENTS ? n : undefined;
        },
        120_000,
      );
      assert.equal(stored, EVENTS, "zero lost, zero stored twice");
      const incidents = await db.query("SELECT service, error_pattern, fingerprint, signal_count FROM incidents ORDER BY 1, 2");
      // On failure, the rows say which problem split and how (a fingerprint per replica, or per attempt).
      assert.equal(incidents.rowCount, PROBLEMS, JSON.stringify(incidents.rows));
      await until(
        "every ticket delivered",
        async () => ((await count("SELECT count(*) AS n FROM tickets")) === PROBLEMS ? true : undefined),
        // The killed replica's claimed deliveries wait for their lease; beside the heaviest suites that took over 60 s once.
        150_000,
      );
      // Every delivery lands, none dead: eventually, since investigation reports follow the tickets as comments
      // (an investigation waits up to 20 s while ingest is busy, and the killed replica's leased comments wait for
      // their lease); 60 s ran out once beside the heaviest suites.
      await until(
        "every delivery delivered",
        async () => ((await count("SELECT count(*) AS n FROM deliveries WHERE status <> 'delivered'")) === 0 ? true : undefined),
        150_000,
      );
      assert.equal(tickets.size, PROBLEMS, "one ticket per incident on the platform");

      const probe = new Consumer({ clientId: "replicas-probe", bootstrapBrokers, groupId: `replicas-${id}` });
      const partitions = [...Array(PARTITIONS).keys()];
      const lag = await until(
        "offsets committed at the end of every partition",
        async () => {
          const [ends, commits] = await Promise.all([
            probe.listOffsets({ topics: [topic] }),
            probe.listCommittedOffsets({ topics: [{ topic, partitions }] }),
          ]);
          const behind = partitions.map((p) => Number((ends.get(topic)?.[p] ?? 0n) - (commits.get(topic)?.[p] ?? -1n)));
          return behind.every((n) => n === 0) ? behind : undefined;
        },
        60_000,
      );
      await probe.close();
      assert.deepEqual(lag, [0, 0, 0]);
    });
  });
}
