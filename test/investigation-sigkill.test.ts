/**
 * A real `sluice serve` killed with SIGKILL in the middle of an investigation: the Prometheus it queries
 * hangs, so the job is claimed and running when the process dies. The restarted process takes the job up,
 * finishes it once, and the report reaches the webhook ticket once.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { freePort, httpCall, SluiceProcess, sleep } from "./support/sluice-process.ts";

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer(handler);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

test("an investigation killed mid-way finishes once after the restart, and its report reaches the ticket once", {
  timeout: 120_000,
}, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "sluice-investigation-kill-"));
  let hang = true;
  let queries = 0;
  const prometheus = await listen((req, res) => {
    queries++;
    if (hang) return; // never answers: the first process is killed while waiting
    const url = new URL(req.url ?? "/", "http://x");
    const start = Number(url.searchParams.get("start"));
    const end = Number(url.searchParams.get("end"));
    const values: [number, string][] = [];
    for (let s = start; s <= end; s += 60) values.push([s, "1"]);
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ status: "success", data: { resultType: "matrix", result: [{ metric: {}, values }] } }));
  });
  const comments: string[] = [];
  const platform = await listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      if (body.includes("Sluice investigation of INC-1")) comments.push(body);
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ id: "ticket-1" }));
    });
  });
  const port = await freePort();
  const processes: SluiceProcess[] = [];
  t.after(async () => {
    for (const p of processes) if (p.running) await p.kill("SIGKILL");
    await prometheus.close();
    await platform.close();
    await rm(dir, { recursive: true, force: true });
  });
  const configFile = join(dir, "sluice.json");
  await writeFile(
    configFile,
    JSON.stringify({
      server: { port },
      storage: { dataDir: join(dir, "data"), synchronous: "full" },
      log: { level: "warn" },
      routing: { critical: ["webhook"], high: ["webhook"], medium: ["webhook"], low: ["webhook"] },
      webhook: { enabled: true, url: `${platform.url}/hook` },
      delivery: { initialBackoff: "50ms", maxBackoff: "500ms", timeout: "2s" },
      investigation: { prometheus: { url: prometheus.url }, timeout: "60s", collectorTimeout: "30s", pollInterval: "200ms" },
    }),
  );
  const launch = async () => {
    const p = new SluiceProcess(configFile);
    processes.push(p);
    await p.ready(port);
    return p;
  };
  const report = () => httpCall(port, "GET", "/api/incidents/INC-1/investigation");

  const first = await launch();
  const signal = {
    event_id: "kill-1",
    "@timestamp": new Date().toISOString(),
    anomaly_type: "error_rate",
    anomaly_score: 0.97,
    severity: "high",
    service: "payments",
    tenant_id: "acme",
    environment: "production",
    error_message: "timeout calling bank",
  };
  assert.equal((await httpCall(port, "POST", "/api/v1/signals", JSON.stringify(signal))).status, 202);
  // Running: the store answered, and the metrics collector is waiting on the hanging Prometheus.
  const until = Date.now() + 20_000;
  while (queries === 0 && Date.now() < until) await sleep(50);
  assert.ok(queries > 0, `the investigation reached Prometheus:\n${first.log}`);
  const running = await report();
  assert.equal(running.status, 404);
  assert.match(running.body, /job: running/);
  await first.kill("SIGKILL");

  hang = false;
  const second = await launch();
  const by = Date.now() + 30_000;
  let got = await report();
  while (got.status !== 200 && Date.now() < by) {
    await sleep(100);
    got = await report();
  }
  assert.equal(got.status, 200, `a report after the restart:\n${second.log}`);
  const { job, report: stored } = JSON.parse(got.body) as {
    job: string;
    report: { version: number; steps: { collector: string; status: string }[] };
  };
  assert.equal(stored.version, 1);
  assert.ok(stored.steps.some((s) => s.collector === "metrics" && s.status === "ok"));
  // Give a second (wrong) run every chance to show up, then count.
  const settle = Date.now() + 3000;
  while (comments.length === 0 && Date.now() < settle + 10_000) await sleep(100);
  await sleep(1500);
  assert.equal(job, "done");
  assert.equal(JSON.parse((await report()).body).report.version, 1, "finished once");
  assert.equal(comments.length, 1, `one comment on the ticket: ${comments.length}`);
});
