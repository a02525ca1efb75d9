/**
 * Traces from a real OpenTelemetry SDK make one incident with the right root cause, blast radius and
 * request timeline; an upstream symptom joins it instead of opening a second one.
 *
 * Needs: nothing but Node. Real processes this test starts (all on 127.0.0.1, all ended by the test):
 * three services of test/support/otel-app/service.ts (frontend → checkout → payments → an uninstrumented
 * PostgreSQL), each `node --import tsx` with the OpenTelemetry SDK for Node, its HTTP instrumentation and
 * an OTLP/HTTP exporter pointed at Sluice (payments the protobuf one, the others JSON). Sluice runs in this process (SQLite in memory, in-memory
 * platform, the system clock) behind a real listening HTTP server.
 *
 * The traffic, and what it makes the numbers:
 * 1. healthy: 6 checkouts and 4 page views (frontend alone);
 * 2. one checkout whose database query deadlocks: it opens the incident. Its blast radius then counts 11
 *    frontend traces, 7 of them reaching the database (share 7/11), and every checkout and payments trace;
 * 3. 4 more deadlocks and 1 page view: they join that incident (same root cause, same error pattern);
 * 4. an anomaly event for frontend naming a failing trace joins it too, as an upstream symptom;
 * 5. the other order: with the incident resolved, an anomaly event for frontend naming a trace not yet
 *    received opens a frontend incident; the failing trace then arrives and reopens the database's
 *    incident, and the frontend incident is merged into it (one open incident again);
 * 6. a slow query: frontend gives up after 400 ms while payments' query succeeds after 700 ms. The
 *    incident blames the database that kept everyone waiting, not the frontend whose call timed out.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parseConfig } from "../src/config/loader.ts";
import type { MemoryConnector } from "../src/connectors/memory/memory-connector.ts";
import { compileTemplates, renderTicketText } from "../src/connectors/ticket-text.ts";
import type { TraceContext } from "../src/core/enrichment.ts";
import type { Incident } from "../src/core/incident.ts";
import type { Sluice } from "../src/main.ts";
import { listeningSluice } from "../src/testing/in-memory-sluice.ts";
import { eventually } from "./support/eventually.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const SERVICE = join(ROOT, "test/support/otel-app/service.ts");

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One instrumented service in its own process. */
class ShopService {
  readonly child: ChildProcess;
  private output = "";
  port = 0;

  constructor(
    readonly name: string,
    env: Record<string, string>,
  ) {
    this.child = spawn(process.execPath, ["--import", "tsx", SERVICE], {
      cwd: ROOT,
      env: { ...process.env, ...env, SERVICE_NAME: name, OTEL_LOG_LEVEL: "error" },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString("utf8")).slice(-4000);
    };
    this.child.stdout?.on("data", keep);
    this.child.stderr?.on("data", keep);
  }

  async ready(): Promise<string> {
    const [message] = (await Promise.race([
      once(this.child, "message"),
      once(this.child, "exit").then(() => assert.fail(`${this.name} exited: ${this.output}`)),
    ])) as [{ port: number }];
    this.port = message.port;
    return `http://127.0.0.1:${this.port}`;
  }

  /** Makes the SDK export every span it holds; resolves once the exporter got Sluice's answers. */
  async flush(): Promise<void> {
    const answer = once(this.child, "message");
    this.child.send("flush");
    const [message] = (await answer) as [unknown];
    assert.equal(message, "flushed", `${this.name} could not export: ${JSON.stringify(message)} ${this.output}`);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, "exit");
    this.child.disconnect();
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  }
}

async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, body: await response.text() };
}

describe("traces from a real OpenTelemetry SDK", () => {
  let sluice: Sluice;
  let sluicePort = 0;
  const services: ShopService[] = [];
  let frontend = "";
  const failingTraceIds: string[] = [];

  const shop = async (path: string, scenario = "", user = "", traceparent = "") => {
    const headers: Record<string, string> = { "x-scenario": scenario, "x-user-id": user };
    // A caller's W3C trace context: frontend's span continues that trace, so the test knows its id.
    if (traceparent) headers.traceparent = traceparent;
    const response = await fetch(`${frontend}${path}`, { headers });
    await response.text();
    return response.status;
  };
  const flushAll = async () => {
    for (const service of services) await service.flush();
  };
  const api = async <T>(path: string): Promise<T> => {
    const reply = await get(sluicePort, path);
    assert.equal(reply.status, 200, `GET ${path}: ${reply.body}`);
    return JSON.parse(reply.body) as T;
  };
  const incidents = async () => (await api<{ items: Incident[] }>("/api/incidents?limit=50")).items;
  /** Waits until Sluice has analysed (and counted) this many traces through frontend. */
  const analysed = (frontendTraces: number) =>
    eventually(`${frontendTraces} frontend traces in the graph`, async () => {
      const graph = await api<{ services: { name: string; traces: number }[] }>("/api/traces/graph");
      return graph.services.find((s) => s.name === "frontend")?.traces === frontendTraces ? graph : undefined;
    });

  before(async () => {
    // The catalog knows the services, not the database: the database's incident goes to its caller's owner.
    const catalogDir = mkdtempSync(join(tmpdir(), "otel-catalog-"));
    const catalogFile = join(catalogDir, "services.yaml");
    writeFileSync(
      catalogFile,
      "services:\n  - service: payments\n    team: payments-team\n    runbook: https://runbooks.example/payments\n  - service: frontend\n    team: web\n",
    );
    const { config } = parseConfig(
      {
        routing: {
          critical: ["memory"],
          high: ["memory"],
          medium: ["memory"],
          low: ["memory"],
          rules: [{ name: "payments-team", match: { team: "payments-team" }, platforms: ["memory"] }],
        },
        catalog: { files: [catalogFile] },
        // Readable user ids, so the user a failing trace names can be checked (hashing them is redaction's test).
        redaction: { affectedUsers: "keep" },
        // This suite counts each ticket's deliveries; the investigation's report comment is covered by its own suites.
        investigation: { enabled: false },
      },
      {},
      ROOT,
      "test",
    );
    ({ sluice, port: sluicePort } = await listeningSluice(config));
    const otlp = { OTLP_TRACES_URL: `http://127.0.0.1:${sluicePort}/v1/traces` };
    // payments exports protobuf, the others JSON: one trace arrives in both encodings.
    const payments = new ShopService("payments", { ...otlp, OTLP_PROTOCOL: "http/protobuf" });
    services.push(payments);
    const checkout = new ShopService("checkout", { ...otlp, DOWNSTREAM: await payments.ready() });
    services.push(checkout);
    const front = new ShopService("frontend", { ...otlp, DOWNSTREAM: await checkout.ready(), CALL_TIMEOUT_MS: "400" });
    services.push(front);
    frontend = await front.ready();
  });

  after(async () => {
    await Promise.all(services.map((service) => service.stop()));
    await sluice?.close();
  });

  it("learns the dependency graph from healthy traffic", async () => {
    for (let i = 0; i < 6; i++) assert.equal(await shop("/buy", "", `user-${i}`), 200);
    for (let i = 0; i < 4; i++) assert.equal(await shop("/browse"), 200);
    await flushAll();
    const graph = await analysed(10);
    const edges = (graph as unknown as { edges: { caller: string; callee: string; requests: number; errors: number }[] }).edges;
    assert.deepEqual(
      edges.map((e) => `${e.caller}->${e.callee} ${e.requests}/${e.errors}`),
      ["checkout->payments 6/0", "frontend->checkout 6/0", "payments->postgresql/payments 6/0"],
    );
    assert.deepEqual(await incidents(), []);
  });

  it("opens one incident for the database, with its blast radius and request timeline", async () => {
    assert.equal(await shop("/buy", "db-deadlock", "user-failing-1"), 500);
    await flushAll();
    const [incident] = await eventually("an incident", async () => {
      const list = await incidents();
      return list.length > 0 ? list : undefined;
    });
    assert.ok(incident);
    assert.equal(incident.service, "postgresql/payments");
    assert.equal(incident.kind, "anomaly");
    // Nobody catalogued the database: the team owning the service whose queries failed gets it.
    assert.match(incident.matchedRule, /^rule:payments-team \(owner: team payments-team/);
    const detail = await api<Incident & { signals: { traceId: string; affectedServices: string[]; affectedUsers: string[] }[] }>(
      `/api/incidents/${incident.key}`,
    );
    const signal = detail.signals[0];
    assert.ok(signal);
    failingTraceIds.push(signal.traceId);
    assert.deepEqual(signal.affectedServices, ["frontend", "checkout", "payments"]);
    assert.deepEqual(signal.affectedUsers, ["user-failing-1"]);

    assert.equal((detail.context.owner as { team: string }).team, "payments-team");
    const trace = detail.context.trace as TraceContext;
    assert.ok(trace, `no trace context: ${JSON.stringify(detail.context)}`);
    assert.equal(trace.traceId, signal.traceId);
    assert.equal(trace.rootCause.service, "postgresql/payments");
    assert.equal(trace.rootCause.operation, "SELECT payments");
    assert.match(trace.rootCause.errorMessage ?? "", /^deadlock detected: process \d+ waits for ShareLock$/);
    // 11 frontend traces so far (7 checkouts, 4 page views); every checkout and payment reaches the database.
    assert.deepEqual(trace.blastRadius, [
      { service: "checkout", share: 1 },
      { service: "payments", share: 1 },
      { service: "frontend", share: Math.round((7 / 11) * 10_000) / 10_000 },
    ]);
    // The failing request, hop by hop, in start order, each hop below the one before.
    const hops = trace.timeline.map((step) => [step.service, step.depth, step.error]);
    assert.deepEqual(hops, [
      ["frontend", 0, true],
      ["frontend", 1, true],
      ["checkout", 2, true],
      ["checkout", 3, true],
      ["payments", 4, true],
      ["payments", 5, true],
    ]);
    assert.equal(trace.timeline.at(-1)?.operation, "SELECT payments → postgresql/payments");
    assert.match(trace.timeline.at(-1)?.errorMessage ?? "", /deadlock detected/);
    for (let i = 1; i < trace.timeline.length; i++) {
      const [previous, step] = [trace.timeline[i - 1], trace.timeline[i]];
      assert.ok(previous && step && previous.startOffsetMs <= step.startOffsetMs, "ordered by start");
    }
    assert.equal(trace.timeline[0]?.startOffsetMs, 0);

    // The ticket went out once, to the in-memory platform.
    await sluice.worker.flush();
    const memory = sluice.connectors.get("memory") as MemoryConnector;
    assert.deepEqual(
      memory.received.map((d) => [d.action, d.incidentKey]),
      [["create", incident.key]],
    );
  });

  it("puts the request timeline in the ticket", async () => {
    const incident = (await incidents())[0];
    assert.ok(incident);
    const stored = await sluice.store.incidents.get(incident.id);
    const trace = stored?.context.trace;
    assert.ok(stored && trace);
    // The body every connector renders for this incident's create.
    const { body } = renderTicketText(compileTemplates(), { incident: stored, detail: "", incidentUrl: null, action: "create" });
    assert.ok(body.includes(trace.traceId), body);
    let from = 0;
    for (const step of trace.timeline) {
      const at = body.indexOf(`${step.service} ${step.operation}`, from);
      assert.ok(at >= from, `timeline step "${step.service} ${step.operation}" missing or out of order in:\n${body}`);
      from = at + 1;
    }
    assert.match(body, /ERROR: deadlock detected: process \d+ waits for ShareLock/);
    assert.match(body, /frontend \(64%/);
  });

  it("joins the same failure in more traces to that one incident", async () => {
    for (let i = 0; i < 4; i++) assert.equal(await shop("/buy", "db-deadlock", `user-failing-${i + 2}`), 500);
    assert.equal(await shop("/browse"), 200);
    await flushAll();
    await analysed(16);
    // Counted first, then signalled: wait for the last signals, then look at every incident there is.
    const list = await eventually("5 signals on the incident", async () => {
      const all = await incidents();
      return all.reduce((sum, incident) => sum + incident.signalCount, 0) >= 5 ? all : undefined;
    });
    assert.equal(list.length, 1, JSON.stringify(list.map((i) => [i.key, i.service, i.title])));
    assert.equal(list[0]?.signalCount, 5);
    const graph = await api<{ edges: { caller: string; callee: string; requests: number; errors: number }[] }>(
      "/api/traces/graph",
    );
    assert.deepEqual(
      graph.edges.map((e) => `${e.caller}->${e.callee} ${e.requests}/${e.errors}`),
      ["checkout->payments 11/5", "frontend->checkout 11/5", "payments->postgresql/payments 11/5"],
    );
  });

  it("joins an upstream symptom naming a failing trace to the root incident", async () => {
    const [incident] = await incidents();
    assert.ok(incident);
    const response = await fetch(`http://127.0.0.1:${sluicePort}/api/v1/signals`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        event_id: "frontend-error-rate-1",
        "@timestamp": new Date().toISOString(),
        anomaly_type: "error_rate",
        anomaly_score: 0.97,
        severity: "high",
        service: "frontend",
        tenant_id: "default",
        environment: "production",
        error_message: "checkout returned 500 for 5 of 11 orders",
        trace_id: failingTraceIds[0],
      }),
    });
    assert.equal(response.status, 202);
    const { results } = (await response.json()) as {
      results: { outcome: string; incident: string | null; reason: string | null }[];
    };
    assert.equal(results[0]?.incident, incident.key, JSON.stringify(results));
    assert.notEqual(results[0]?.outcome, "opened");
    assert.equal((await incidents()).length, 1);
    const timeline = await api<{ timeline: { detail: string }[] }>(`/api/incidents/${incident.key}`);
    assert.ok(
      timeline.timeline.some((entry) => entry.detail.includes("frontend") && entry.detail.includes("postgresql/payments")),
      JSON.stringify(timeline.timeline),
    );
  });

  it("merges a frontend incident that opened before its root cause's came back", async () => {
    const [root] = await incidents();
    assert.ok(root);
    const resolved = await fetch(`http://127.0.0.1:${sluicePort}/api/incidents/${root.key}/resolve`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ reason: "deadlocks stopped" }),
    });
    assert.equal(resolved.status, 200);
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const posted = await fetch(`http://127.0.0.1:${sluicePort}/api/v1/signals`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        event_id: "frontend-error-rate-2",
        "@timestamp": new Date().toISOString(),
        anomaly_type: "error_rate",
        anomaly_score: 0.96,
        severity: "high",
        service: "frontend",
        tenant_id: "default",
        environment: "production",
        error_message: "orders failing at checkout: 500 from checkout",
        trace_id: traceId,
      }),
    });
    assert.equal(posted.status, 202);
    const [result] = ((await posted.json()) as { results: { outcome: string; incident: string }[] }).results;
    // Nothing is open downstream and the trace is not in yet: frontend's problem looks like its own.
    assert.equal(result?.outcome, "opened", JSON.stringify(result));
    const symptomKey = result?.incident as string;

    assert.equal(await shop("/buy", "db-deadlock", "user-failing-6", `00-${traceId}-00f067aa0ba902b7-01`), 500);
    await flushAll();
    await analysed(17);
    const symptom = await eventually(`${symptomKey} merged`, async () => {
      const detail = await api<Incident & { timeline: { action: string; actor: string; detail: string }[] }>(
        `/api/incidents/${symptomKey}`,
      );
      return detail.state === "resolved" ? detail : undefined;
    });
    const merged = symptom.timeline.at(-1);
    assert.equal(merged?.actor, "sluice:merge");
    assert.match(
      merged?.detail ?? "",
      new RegExp(`^merged into ${root.key}: trace ${traceId} fails first in postgresql/payments`),
    );
    const open = (await incidents()).filter((incident) => incident.state !== "resolved");
    assert.deepEqual(
      open.map((incident) => incident.key),
      [root.key],
    );
    const rootTimeline = await api<{ timeline: { action: string; detail: string }[] }>(`/api/incidents/${root.key}`);
    const actions = rootTimeline.timeline.map((entry) => entry.action);
    assert.ok(actions.includes("reopened"), JSON.stringify(actions));
    assert.match(
      rootTimeline.timeline.at(-1)?.detail ?? "",
      new RegExp(`^${symptomKey} \\(frontend\\) was merged into this incident`),
    );
  });

  it("blames the slow database, not the frontend that gave up waiting on it", async () => {
    const before = new Set((await incidents()).map((incident) => incident.key));
    assert.equal(await shop("/buy", "db-slow", "user-slow-1"), 500);
    // The query ends after the frontend's answer: let every hop finish before exporting.
    await sleep(900);
    await flushAll();
    await analysed(18);
    const opened = await eventually("an incident for the timeout", async () => {
      const fresh = (await incidents()).filter((incident) => !before.has(incident.key));
      return fresh.length > 0 ? fresh : undefined;
    });
    assert.deepEqual(
      opened.map((incident) => incident.service),
      ["postgresql/payments"],
    );
    const detail = await api<Incident>(`/api/incidents/${opened[0]?.key}`);
    const trace = detail.context.trace as TraceContext;
    assert.equal(trace.rootCause.operation, "SELECT payments");
    assert.match(
      trace.rootCause.errorMessage ?? "",
      /^frontend gave up after \d+(\.\d+)? ms: ETIMEDOUT: \/checkout did not answer within 400 ms$/,
    );
  });
});
