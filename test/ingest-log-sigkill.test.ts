/**
 * Issue 18: a 202 from the ingest log survives a SIGKILL exactly between the log append and the
 * pipeline applying it, and the restart applies it once: nothing lost, nothing duplicated.
 *
 * Real processes this test starts (all on 127.0.0.1, all ended by the test):
 * - `node bin/sluice.js serve --config <tmp>/sluice.json` with `ingest: { acknowledge: logged, paused: true }`:
 *   it answers 202 once the signals are in the log on disk and never applies them, so the SIGKILL that
 *   follows lands exactly between the append and the pipeline.
 * - the same command again on the same data directory without `paused` (acknowledge: applied), which
 *   applies the log it finds and is stopped with SIGTERM at the end.
 * In this process: a webhook receiver (node:http, random port) that records every request and, like
 * real platforms, makes one ticket per Idempotency-Key.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import Database from "better-sqlite3";
import { findFactory } from "../src/connectors/registry.ts";
import { freePort, httpCall, SluiceProcess, sleep } from "./support/sluice-process.ts";
import { startWebhookReceiver } from "./support/webhook-receiver.ts";

const SECRET = "ingest-log-sigkill-secret-0123456789";
const PROBLEMS = 6;
const EVENTS = 120;

function count(file: string, sql: string): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return Number(db.prepare(sql).pluck().get());
  } finally {
    db.close();
  }
}

test("SIGKILL between the log append and the pipeline: after the restart nothing is lost and nothing duplicated", {
  timeout: 180_000,
}, async (t) => {
  if (findFactory("webhook") === undefined) {
    t.skip("the webhook connector is not registered; this test needs it");
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), "sluice-log-kill-"));
  const platform = await startWebhookReceiver();
  const port = await freePort();
  const processes: SluiceProcess[] = [];
  t.after(async () => {
    for (const p of processes) if (p.running) await p.kill("SIGKILL");
    await platform.close();
    await rm(dir, { recursive: true, force: true });
  });
  const database = join(dir, "data", "sluice.db");
  const configFile = join(dir, "sluice.json");
  const configure = (ingest: Record<string, unknown>) =>
    writeFile(
      configFile,
      JSON.stringify({
        server: { port },
        storage: { dataDir: join(dir, "data"), synchronous: "full" },
        log: { level: "warn" },
        anomaly: { quietPeriod: "1h" },
        routing: { critical: ["webhook"], high: ["webhook"], medium: ["webhook"], low: ["webhook"] },
        webhook: { enabled: true, url: platform.url, secret: SECRET },
        delivery: { initialBackoff: "50ms", maxBackoff: "500ms", timeout: "2s" },
        ingest: { pollInterval: "100ms", ...ingest },
      }),
    );
  const launch = async () => {
    const p = new SluiceProcess(configFile);
    processes.push(p);
    await p.ready(port);
    return p;
  };

  // Six problems (a service each), twenty events each, sent singly and in batches.
  const events = Array.from({ length: EVENTS }, (_, i) => ({
    event_id: `log-kill-${i}`,
    "@timestamp": new Date(Date.now() - 60_000 + i * 100).toISOString(),
    anomaly_score: 0.95,
    service: `service-${i % PROBLEMS}`,
    message: "upstream timeout calling the bank",
  }));
  const requests: unknown[] = [];
  for (let i = 0; i < EVENTS; ) {
    const size = requests.length % 3 === 0 ? 1 : 17;
    requests.push(size === 1 ? events[i] : events.slice(i, i + size));
    i += size;
  }

  await configure({ acknowledge: "logged", paused: true });
  const first = await launch();
  for (const body of requests) {
    const reply = await httpCall(port, "POST", "/api/v1/signals", JSON.stringify(body));
    assert.equal(reply.status, 202, reply.body);
    const { results } = JSON.parse(reply.body) as { results: { outcome: string; incident: string | null }[] };
    for (const result of results) assert.deepEqual([result.outcome, result.incident], ["queued", null]);
  }
  const exit = await first.kill("SIGKILL");
  assert.equal(exit.signal, "SIGKILL", "the first process died from SIGKILL");

  // Exactly between: every signal is in the log on disk, the pipeline has applied none of it.
  assert.equal(
    count(database, "SELECT COALESCE(SUM(signal_count), 0) FROM ingest_log"),
    EVENTS,
    "every 202'd signal is in the log",
  );
  assert.equal(count(database, "SELECT COUNT(*) FROM ingest_log"), requests.length, "one entry per request");
  assert.equal(count(database, "SELECT COUNT(*) FROM signals"), 0, "the pipeline applied nothing before the kill");
  assert.equal(count(database, "SELECT COUNT(*) FROM incidents"), 0);
  assert.equal(platform.hits.length, 0, "no delivery before the kill");

  await configure({ acknowledge: "applied" });
  const second = await launch();
  // Settles: every incident has its ticket and no delivery is pending.
  const until = Date.now() + 60_000;
  let incidents: { id: string; key: string; signalCount: number }[] = [];
  for (;;) {
    const list = await httpCall(port, "GET", "/api/incidents?limit=100");
    incidents = (JSON.parse(list.body) as { items: typeof incidents }).items;
    const pending = (
      JSON.parse((await httpCall(port, "GET", "/api/deliveries?status=pending&limit=100")).body) as { items: unknown[] }
    ).items;
    if (incidents.length === PROBLEMS && platform.tickets.size === PROBLEMS && pending.length === 0) break;
    assert.ok(Date.now() < until, `not settled: ${incidents.length} incidents, ${platform.tickets.size} tickets`);
    await sleep(100);
  }
  assert.equal(count(database, "SELECT COUNT(*) FROM ingest_log"), 0, "the log is applied");
  assert.equal(count(database, "SELECT COUNT(*) FROM ingest_dead_letters"), 0, "nothing dead-lettered");
  assert.equal(count(database, "SELECT COUNT(*) FROM signals"), EVENTS, "each signal stored once");
  assert.deepEqual(
    incidents.map((i) => i.signalCount),
    Array(PROBLEMS).fill(EVENTS / PROBLEMS),
    "each incident counts its twenty signals once",
  );
  // Sent again, every event is a duplicate: all were kept.
  const again = await httpCall(port, "POST", "/api/v1/signals", JSON.stringify(events));
  const outcomes = (JSON.parse(again.body) as { results: { outcome: string }[] }).results.map((r) => r.outcome);
  assert.deepEqual([...new Set(outcomes)], ["duplicate"]);
  // One ticket per incident, created once.
  const creates = platform.hits.filter((hit) => hit.event === "create");
  assert.equal(creates.length, PROBLEMS, `one create per incident: ${JSON.stringify(creates)}`);
  assert.deepEqual(
    [...new Set(creates.map((hit) => hit.incidentId))].sort(),
    incidents.map((i) => i.id).sort(),
    "each incident's ticket, and only those",
  );
  assert.equal(platform.tickets.size, PROBLEMS);
  const stopped = await second.kill("SIGTERM");
  assert.equal(stopped.code, 0, `sluice exits 0 on SIGTERM:\n${second.log}`);
});
