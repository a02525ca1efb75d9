// `node --import tsx bench/kafka.ts [--events N] [--runs N]`: Kafka-to-incident throughput into PostgreSQL
// with one and with two replicas. Events are produced first; the clock runs from the moment the replicas are
// ready until every event is stored. Uses scripts/kafka.sh and scripts/postgres.sh (or SLUICE_TEST_KAFKA_BROKERS
// and SLUICE_TEST_DATABASE_URL). Only 127.0.0.1; every wait is bounded.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Admin, ProduceAcks, Producer, stringSerializers } from "@platformatic/kafka";
import pg from "pg";
import { freePort, SERVER_CPU, spawnPinned, stopProcess, waitForHttp } from "./processes.ts";
import { REPO_ROOT } from "./sluice-server.ts";
import { median } from "./stats.ts";

const { values } = parseArgs({ options: { events: { type: "string" }, runs: { type: "string" } } });
const EVENTS = Number(values.events ?? 60_000);
const RUNS = Number(values.runs ?? 3);
const PROBLEMS = 40;
const PARTITIONS = 3;

function provision(script: string, envName: string): string {
  const given = process.env[envName];
  if (given) return given;
  const run = spawnSync("bash", [join(REPO_ROOT, script)], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  const last = run.stdout.trim().split("\n").at(-1);
  if (run.status !== 0 || !last) throw new Error(`${script} failed`);
  return last;
}

const brokers = provision("scripts/kafka.sh", "SLUICE_TEST_KAFKA_BROKERS").split(",");
const adminUrl = provision("scripts/postgres.sh", "SLUICE_TEST_DATABASE_URL");

async function freshDatabase(name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function dropDatabase(name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await client.end();
}

async function produce(topic: string): Promise<number> {
  const producer = new Producer({ clientId: "sluice-bench", bootstrapBrokers: brokers, serializers: stringSerializers });
  const started = performance.now();
  for (let sent = 0; sent < EVENTS; sent += 1000) {
    const messages = Array.from({ length: Math.min(1000, EVENTS - sent) }, (_, i) => {
      const n = sent + i;
      const problem = n % PROBLEMS;
      const value = JSON.stringify({
        event_id: `bench-${topic}-${n}`,
        "@timestamp": new Date().toISOString(),
        anomaly_type: "error_rate",
        anomaly_score: 0.95,
        severity: "high",
        service: `svc-${problem % 20}`,
        error_message: `${problem < 20 ? "timeout calling upstream" : "connection pool exhausted"} after ${n % 5000}ms for request req-${n}`,
      });
      return { topic, partition: n % PARTITIONS, key: `k${n % PARTITIONS}`, value };
    });
    await producer.send({ messages, acks: ProduceAcks.LEADER });
  }
  await producer.close();
  return EVENTS / ((performance.now() - started) / 1000);
}

async function run(replicas: number): Promise<{ perSecond: number; incidents: number }> {
  const id = randomBytes(4).toString("hex");
  const topic = `bench-${id}`;
  const database = `sluice_bench_${id}`;
  const admin = new Admin({ clientId: "sluice-bench-admin", bootstrapBrokers: brokers });
  await admin.createTopics({ topics: [topic], partitions: PARTITIONS, replicas: 1 });
  await admin.close();
  await produce(topic);
  const databaseUrl = await freshDatabase(database);
  const dir = mkdtempSync(join(tmpdir(), "sluice-kafka-bench-"));
  const children = [];
  try {
    const urls: string[] = [];
    for (let r = 0; r < replicas; r++) {
      const port = await freePort();
      const file = join(dir, `replica-${r}.json`);
      writeFileSync(
        file,
        JSON.stringify({
          server: { port },
          storage: { databaseUrl },
          log: { level: "warn" },
          kafka: { enabled: true, brokers, topics: [topic], groupId: `bench-${id}` },
        }),
      );
      // Replicas share the server CPU, as two pods on one node would; the database gets the other one.
      const { child, stderr } = spawnPinned(SERVER_CPU, process.execPath, ["bin/sluice.js", "serve", "--config", file], {
        cwd: REPO_ROOT,
      });
      children.push({ child, stderr });
      urls.push(`http://127.0.0.1:${port}`);
    }
    for (const [i, url] of urls.entries()) {
      const replica = children[i];
      if (replica) await waitForHttp(`${url}/readyz`, replica.child, 60_000, replica.stderr);
    }
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    const deadline = Date.now() + 180_000;
    let stored = 0;
    while (stored < EVENTS && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      stored = Number((await client.query("SELECT count(*) AS n FROM signals")).rows[0].n);
    }
    // From the first stored signal to the last, by the replicas' own receive stamps: start-up and the
    // moment the second replica joins do not distort the rate.
    const span = (await client.query("SELECT min(received_at) AS first, max(received_at) AS last FROM signals")).rows[0];
    const seconds = Math.max(0.001, (Number(span.last) - Number(span.first)) / 1000);
    const incidents = Number((await client.query("SELECT count(*) AS n FROM incidents")).rows[0].n);
    await client.end();
    if (stored < EVENTS) throw new Error(`only ${stored} of ${EVENTS} events stored within 180 s`);
    return { perSecond: EVENTS / seconds, incidents };
  } finally {
    for (const { child } of children) await stopProcess(child, 30_000);
    rmSync(dir, { recursive: true, force: true });
    await dropDatabase(database);
  }
}

const rows: string[] = [];
for (const replicas of [1, 2]) {
  const results = [];
  for (let i = 0; i < RUNS; i++) {
    const result = await run(replicas);
    process.stderr.write(
      `[kafka bench] ${replicas} replica(s), run ${i + 1}: ${Math.round(result.perSecond)} events/s, ${result.incidents} incidents\n`,
    );
    results.push(result);
  }
  const perRun = results.map((r) => Math.round(r.perSecond).toLocaleString("en-US")).join(", ");
  rows.push(
    `| ${replicas} | ${Math.round(median(results.map((r) => r.perSecond))).toLocaleString("en-US")}/s | ${perRun} | ${results.map((r) => r.incidents).join(", ")} |`,
  );
}
process.stdout.write(
  [
    `Kafka-to-incident into PostgreSQL: ${EVENTS.toLocaleString("en-US")} anomaly events over ${PROBLEMS} problems, ${PARTITIONS} partitions, median of ${RUNS} runs.`,
    "",
    "| replicas | events/s (median) | per run | incidents |",
    "| --- | --- | --- | --- |",
    ...rows,
    "",
  ].join("\n"),
);
