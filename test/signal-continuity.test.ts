/**
 * Signal continuity: one stream of anomaly events whose problems pause for less than lookbackWindow,
 * for longer than it, for longer than the quiet period, and for hours, sent while Sluice restarts,
 * ends in the same incidents whichever way it comes in, on either store:
 *
 * - `sluice serve` over HTTP (real processes, killed with SIGKILL and started again mid-stream);
 * - Sluice in this process over HTTP with a manual clock that lives through the pauses, so the quiet
 *   period resolves incidents on the way, as it does live (restarted mid-stream too);
 * - a Kafka topic consumed by `sluice serve` (real processes, killed and started again mid-stream);
 * - `sluice replay` of the stream as files, one process per part.
 *
 * The incidents expected follow the rule in DESIGN.md: a problem's next signal after a gap longer
 * than lookbackWindow opens a new incident, whatever happened in between (the quiet period resolving
 * the old one, a restart). Every signal must be accepted: 503s retried a few times at most.
 *
 * Timestamps lie hours in the past, so nothing waits for real minutes; the real processes' quiet
 * resolvers cannot confirm anything within the test's lifetime (it takes two sweeps 15 minutes apart).
 *
 * Needs: PostgreSQL (SLUICE_TEST_DATABASE_URL or scripts/postgres.sh) and Kafka
 * (SLUICE_TEST_KAFKA_BROKERS or scripts/kafka.sh); a path whose peer is missing is skipped loudly
 * (failed in CI). Starts `sluice serve` and `sluice replay` child processes on 127.0.0.1.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Admin, ProduceAcks, Producer, stringSerializers } from "@platformatic/kafka";
import pg from "pg";
import pino from "pino";
import { parseConfig } from "../src/config/loader.ts";
import { ManualClock } from "../src/core/clock.ts";
import type { Store } from "../src/core/ports/store.ts";
import { createSluice, type Sluice } from "../src/main.ts";
import { PostgresStore } from "../src/store/postgres/postgres-store.ts";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import { missingPeer } from "./support/missing-peer.ts";
import { provision } from "./support/provision.ts";
import { freePort, httpCall, SluiceProcess, sleep } from "./support/sluice-process.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const run = promisify(execFile);
const MINUTE = 60_000;
const TICK = 2 * MINUTE;
const LOOKBACK = 15 * MINUTE;
const QUIET = 30 * MINUTE;
const REOPEN = 30 * MINUTE;
/** Hours in the past, on a whole minute: the stream is over long before "now". */
const BASE = Math.floor((Date.now() - 6 * 60 * MINUTE) / MINUTE) * MINUTE;

/** A problem: its own service and message, and the minutes (from BASE) in which it is active. */
interface Problem {
  service: string;
  message: string;
  active: [from: number, to: number][];
}

const PROBLEMS: Problem[] = [
  { service: "steady", message: "steady: upstream latency above threshold", active: [[0, 210]] },
  // Back before lookbackWindow ran out: one incident.
  {
    service: "short-pause",
    message: "short-pause: cache miss storm",
    active: [
      [0, 30],
      [40, 70],
    ],
  },
  // Back after lookbackWindow, before the quiet period: the old incident is still open; a new one opens.
  {
    service: "lookback-pause",
    message: "lookback-pause: disk full on node 7",
    active: [
      [0, 30],
      [50, 80],
    ],
  },
  // Back after the quiet period resolved it (live), within reopenWindow of that resolve: a new incident too.
  {
    service: "quiet-pause",
    message: "quiet-pause: connection pool exhausted",
    active: [
      [0, 30],
      [80, 110],
    ],
  },
  // Back hours later.
  {
    service: "long-pause",
    message: "long-pause: certificate expired",
    active: [
      [0, 30],
      [150, 180],
    ],
  },
];
/** Restarts, in minutes from BASE: inside every pause but the short one. */
const RESTARTS = [36, 120];

interface StreamEvent {
  event_id: string;
  "@timestamp": string;
  anomaly_score: number;
  severity: string;
  service: string;
  error_message: string;
}

/** The stream, in time order, as ticks: the events of one moment. */
function buildStream(): { at: number; events: StreamEvent[] }[] {
  const ticks = new Map<number, StreamEvent[]>();
  for (const problem of PROBLEMS) {
    for (const [from, to] of problem.active) {
      for (let minute = from; minute <= to; minute += TICK / MINUTE) {
        const at = BASE + minute * MINUTE;
        const events = ticks.get(at) ?? [];
        events.push({
          event_id: `continuity-${problem.service}-${minute}`,
          "@timestamp": new Date(at).toISOString(),
          anomaly_score: 0.95,
          severity: "high",
          service: problem.service,
          error_message: problem.message,
        });
        ticks.set(at, events);
      }
    }
  }
  return [...ticks.entries()].sort(([a], [b]) => a - b).map(([at, events]) => ({ at, events }));
}

const STREAM = buildStream();
const EVENTS = STREAM.reduce((n, tick) => n + tick.events.length, 0);
/** The stream cut at the restarts. */
const PARTS = [...RESTARTS, Number.POSITIVE_INFINITY].map((end, i, ends) => {
  const start = i === 0 ? Number.NEGATIVE_INFINITY : BASE + (ends[i - 1] as number) * MINUTE;
  return STREAM.filter((tick) => tick.at >= start && tick.at < BASE + end * MINUTE);
});

/** An incident as compared between paths. */
type Summary = string;

function summary(service: string, firstSeenAt: number, lastSeenAt: number, signals: number): Summary {
  const minute = (at: number) => Math.round((at - BASE) / MINUTE);
  return `${service} ${minute(firstSeenAt)}..${minute(lastSeenAt)} (${signals} signals)`;
}

/** What DESIGN.md's rule gives: a new incident after every gap longer than lookbackWindow. */
function expectedIncidents(): Summary[] {
  const out: Summary[] = [];
  for (const problem of PROBLEMS) {
    const times = STREAM.flatMap((tick) => tick.events.filter((e) => e.service === problem.service).map(() => tick.at));
    let first = times[0] as number;
    let count = 0;
    let last = first;
    for (const at of times) {
      if (at - last > LOOKBACK) {
        out.push(summary(problem.service, first, last, count));
        first = at;
        count = 0;
      }
      last = at;
      count++;
    }
    out.push(summary(problem.service, first, last, count));
  }
  return out.sort();
}

async function incidentsIn(store: Store): Promise<Summary[]> {
  const out: Summary[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await store.incidents.list({ limit: 200, ...(cursor ? { cursor } : {}) });
    for (const i of page.items) out.push(summary(i.service, i.firstSeenAt, i.lastSeenAt, i.signalCount));
    if (!page.nextCursor) return out.sort();
    cursor = page.nextCursor;
  }
}

/** Where one path keeps its data: a directory of its own, or a database of its own. */
interface Place {
  storage: Record<string, unknown>;
  open(): Promise<Store>;
}

function configDocument(place: Place, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    storage: place.storage,
    log: { level: "warn" },
    anomaly: { minimumScore: 0.5, lookbackWindow: LOOKBACK, quietPeriod: QUIET, reopenWindow: REOPEN },
    ...extra,
  };
}

/** POSTs one tick; a 503 is retried a few times (a conflict retrying clears), anything else fails. */
async function postTick(send: (body: string) => Promise<{ status: number; body: string }>, events: StreamEvent[]) {
  for (let attempt = 1; ; attempt++) {
    const reply = await send(JSON.stringify(events)).catch((error: Error) => ({ status: 0, body: error.message }));
    if (reply.status === 202) return;
    assert.ok(
      (reply.status === 503 || reply.status === 0) && attempt < 5,
      `a valid tick was refused (${reply.status} ${reply.body}) on attempt ${attempt}`,
    );
    await sleep(200 * attempt);
  }
}

// --- the paths ---------------------------------------------------------------------------------------

async function viaServe(place: Place, dir: string): Promise<void> {
  const port = await freePort();
  const file = join(dir, "serve.json");
  writeFileSync(file, JSON.stringify(configDocument(place, { server: { port } })));
  for (const [n, part] of PARTS.entries()) {
    const sluice = new SluiceProcess(file, { DATABASE_URL: "" });
    try {
      await sluice.ready(port, 60_000);
      for (const tick of part) await postTick((body) => httpCall(port, "POST", "/api/v1/signals", body), tick.events);
    } finally {
      // A crash between parts, except after the last one.
      await sluice.kill(n < PARTS.length - 1 ? "SIGKILL" : "SIGTERM");
    }
  }
}

async function viaManualClock(place: Place, dir: string): Promise<void> {
  const { config } = parseConfig(configDocument(place), {}, dir, "test");
  const clock = new ManualClock(BASE);
  const open = () =>
    createSluice(config, {
      clock,
      processMetrics: false,
      logger: pino({ level: "silent" }),
      ...("dataDir" in place.storage ? { dataDir: place.storage.dataDir as string } : {}),
    });
  for (const part of PARTS) {
    const sluice: Sluice = await open();
    try {
      for (const tick of part) {
        // The quiet period runs through the pauses as it does live: a sweep a minute, up to this tick.
        while (clock.now() + MINUTE < tick.at) {
          clock.advance(MINUTE);
          await sluice.quietResolver.sweep(clock.now());
        }
        clock.set(tick.at);
        await postTick(async (body) => {
          const reply = await sluice.server.inject({
            method: "POST",
            url: "/api/v1/signals",
            headers: { "content-type": "application/json" },
            payload: body,
          });
          return { status: reply.statusCode, body: reply.body };
        }, tick.events);
        await sluice.quietResolver.sweep(clock.now());
      }
      // The pause across the restart passes before the next process starts, and is swept.
      const next = PARTS[PARTS.indexOf(part) + 1]?.[0]?.at;
      while (next !== undefined && clock.now() + MINUTE < next) {
        clock.advance(MINUTE);
        await sluice.quietResolver.sweep(clock.now());
      }
    } finally {
      await sluice.close();
    }
  }
}

async function viaKafka(place: Place, dir: string, brokers: string[]): Promise<void> {
  const topic = `continuity-${randomBytes(4).toString("hex")}`;
  const admin = new Admin({ clientId: "continuity-admin", bootstrapBrokers: brokers });
  await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
  const producer = new Producer({ clientId: "continuity-producer", bootstrapBrokers: brokers, serializers: stringSerializers });
  const port = await freePort();
  const file = join(dir, "kafka.json");
  writeFileSync(
    file,
    JSON.stringify(
      configDocument(place, {
        server: { port },
        kafka: { enabled: true, brokers, topics: [topic], groupId: topic },
      }),
    ),
  );
  const stored = async () => {
    const reply = await httpCall(port, "GET", "/api/incidents?limit=500");
    return (JSON.parse(reply.body) as { items: { signalCount: number }[] }).items.reduce((n, i) => n + i.signalCount, 0);
  };
  try {
    let sent = 0;
    for (const [n, part] of PARTS.entries()) {
      const sluice = new SluiceProcess(file, { DATABASE_URL: "" });
      try {
        await sluice.ready(port, 60_000);
        for (const tick of part) {
          await producer.send({
            messages: tick.events.map((e) => ({ topic, key: e.service, value: JSON.stringify(e) })),
            acks: ProduceAcks.ALL,
          });
          sent += tick.events.length;
        }
        // Killed once the part is stored (its offsets may or may not be committed: a restart re-reads them).
        const deadline = Date.now() + 60_000;
        while ((await stored().catch(() => -1)) < sent) {
          assert.ok(Date.now() < deadline, `Kafka: ${sent} events sent, not all stored within 60 s`);
          await sleep(100);
        }
      } finally {
        await sluice.kill(n < PARTS.length - 1 ? "SIGKILL" : "SIGTERM");
      }
    }
  } finally {
    await producer.close();
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.close();
  }
}

async function viaReplay(place: Place, dir: string): Promise<void> {
  const file = join(dir, "replay.json");
  writeFileSync(file, JSON.stringify(configDocument(place)));
  for (const [n, part] of PARTS.entries()) {
    const lines = join(dir, `part-${n}.jsonl`);
    writeFileSync(lines, part.flatMap((tick) => tick.events.map((e) => JSON.stringify(e))).join("\n"));
    const { stdout } = await run(process.execPath, [join(root, "bin/sluice.js"), "replay", lines, "--config", file, "--json"], {
      cwd: root,
      env: { ...process.env, SLUICE_CONFIG: "", DATABASE_URL: "" },
      timeout: 120_000,
    });
    const funnel = JSON.parse(stdout) as { signals: number; rejected: number };
    assert.equal(funnel.rejected, 0, stdout);
  }
}

// --- where they keep their data ----------------------------------------------------------------------

function sqlitePlace(dir: string): Place {
  const dataDir = join(dir, "data");
  return {
    storage: { dataDir, synchronous: "normal" },
    open: () => SqliteStore.open({ dataDir, synchronous: "normal" }),
  };
}

async function postgresPlaces(adminUrl: string, names: string[]): Promise<Map<string, Place>> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  const places = new Map<string, Place>();
  try {
    for (const name of names) {
      const database = `sluice_continuity_${name}_${randomBytes(4).toString("hex")}`;
      await client.query(`CREATE DATABASE ${database}`);
      after(async () => {
        const cleanup = new pg.Client({ connectionString: adminUrl });
        await cleanup.connect();
        await cleanup.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
        await cleanup.end();
      });
      const url = new URL(adminUrl);
      url.pathname = `/${database}`;
      const databaseUrl = url.toString();
      places.set(name, { storage: { databaseUrl }, open: () => PostgresStore.open({ url: databaseUrl, poolSize: 2 }) });
    }
  } finally {
    await client.end();
  }
  return places;
}

// --- the suite ---------------------------------------------------------------------------------------

const kafka = process.env.SLUICE_TEST_KAFKA_BROKERS
  ? { output: process.env.SLUICE_TEST_KAFKA_BROKERS.split(",") }
  : provision("kafka.sh");
const database = process.env.SLUICE_TEST_DATABASE_URL || process.env.DATABASE_URL;
const postgres = database ? { output: [database] } : provision("postgres.sh");

const PATHS: Record<string, { title: string; run: (place: Place, dir: string) => Promise<void> }> = {
  serve: { title: "`sluice serve` over HTTP, killed between parts", run: viaServe },
  clock: { title: "Sluice with a manual clock that lives through the pauses, restarted between parts", run: viaManualClock },
  kafka: {
    title: "Kafka into `sluice serve`, killed between parts",
    run: (place, dir) => viaKafka(place, dir, (kafka as { output: string[] }).output),
  },
  replay: { title: "`sluice replay`, one process per part", run: viaReplay },
};

describe(`signal continuity: ${EVENTS} events, pauses past lookbackWindow and the quiet period, restarts`, () => {
  const expected = expectedIncidents();

  it("expects what DESIGN.md says: one incident, unless a gap outlasts lookbackWindow", () => {
    assert.deepEqual(
      expected.map((line) => line.split(" ")[0]),
      ["long-pause", "long-pause", "lookback-pause", "lookback-pause", "quiet-pause", "quiet-pause", "short-pause", "steady"],
    );
  });

  const engines: { name: string; places: (dir: string) => Promise<Map<string, Place>> | null }[] = [
    {
      name: "SQLite",
      places: async (dir) => new Map(Object.keys(PATHS).map((path) => [path, sqlitePlace(join(dir, path))])),
    },
    {
      name: "PostgreSQL",
      places: "problem" in postgres ? () => null : () => postgresPlaces(postgres.output[0] as string, Object.keys(PATHS)),
    },
  ];

  for (const engine of engines) {
    describe(engine.name, async () => {
      const dir = mkdtempSync(join(tmpdir(), "sluice-continuity-"));
      after(() => rmSync(dir, { recursive: true, force: true }));
      const places = await engine.places(dir);
      if (!places) {
        missingPeer(
          `signal continuity on ${engine.name}`,
          (postgres as { problem: string }).problem,
          "set SLUICE_TEST_DATABASE_URL",
        );
        return;
      }
      for (const [path, { title, run: through }] of Object.entries(PATHS)) {
        if (path === "kafka" && "problem" in kafka) {
          missingPeer(`signal continuity through Kafka on ${engine.name}`, kafka.problem, "set SLUICE_TEST_KAFKA_BROKERS");
          continue;
        }
        it(`through ${title}`, async () => {
          const place = places.get(path) as Place;
          const work = mkdtempSync(join(dir, `${path}-`));
          await through(place, work);
          const store = await place.open();
          try {
            assert.deepEqual(await incidentsIn(store), expected);
          } finally {
            await store.close();
          }
        });
      }
    });
  }
});
