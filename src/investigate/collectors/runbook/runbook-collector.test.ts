import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { HttpClient } from "../../../connectors/connector.ts";
import type { Signal } from "../../../core/signal.ts";
import { testBudget, testIncident, testQuery } from "../test-query.ts";
import { RunbookCollector, type RunbookCollectorOptions } from "./runbook-collector.ts";
import { PAYMENTS_RUNBOOK } from "./test-fixtures.ts";

function collector(overrides: Partial<RunbookCollectorOptions> = {}) {
  const requests: string[] = [];
  const http: HttpClient = async (url, init) => {
    requests.push(`${init.method} ${url}`);
    if (url === "https://runbooks.example/payments.md") return new Response(PAYMENTS_RUNBOOK, { status: 200 });
    if (url === "http://payments.internal/healthz") {
      return new Response('{"status":"degraded","db":"pool exhausted"}', {
        status: 503,
        headers: { "content-type": "application/json" },
      });
    }
    return new Response("not found", { status: 404 });
  };
  const promql: string[] = [];
  const runbooks = new RunbookCollector({
    http,
    readFile: async () => "# From a file\n## Checks\n1. Look at the dashboard.\n",
    runbookOf: (service) => (service === "payments" ? "https://runbooks.example/payments.md" : null),
    signals: async () => [],
    promql: async (text, _query, id) => {
      promql.push(text);
      return { id, source: "metrics", query: text, summary: "query departed at onset", link: "http://prom/graph" };
    },
    maxBlocks: 6,
    maxBytes: 100_000,
    ...overrides,
  });
  return { runbooks, requests, promql };
}

describe("runbook collector", () => {
  it("quotes the first steps, runs the read-only blocks as steps, never what writes, and recommends the remediation", async () => {
    const { runbooks, requests, promql } = collector();
    const budget = testBudget();
    const out = await runbooks.collect(testQuery(), budget);
    assert.equal(out.items[0]?.id, "runbook-1");
    assert.equal(
      out.items[0]?.summary,
      'Runbook "Payments: errors" of payments, first steps: 1. Check the error ratio of payments: 2. Check its health endpoint: 3. Look for pool timeouts in its logs:',
    );
    assert.equal(out.items[0]?.link, "https://runbooks.example/payments.md");
    assert.equal(promql.length, 1);
    assert.deepEqual(requests, ["GET https://runbooks.example/payments.md", "GET http://payments.internal/healthz"]);
    assert.deepEqual(
      out.steps.map((s) => [s.query.split(":")[0], s.status, s.note]),
      [
        ["promql", "ok", null],
        ["http", "ok", null],
        ["logql", "skipped", "no Loki configured"],
        ["sh", "skipped", "sh blocks are never run: only promql, logql and http GET/HEAD are read-only"],
        ["http", "skipped", "not run: only GET and HEAD requests to http(s) URLs are read-only"],
      ],
    );
    assert.equal(budget.used(), 2, "each block run is a query step");
    assert.deepEqual(
      out.items.map((i) => [i.id, i.source]),
      [
        ["runbook-1", "runbook"],
        ["runbook-2", "runbook"],
        ["runbook-3", "runbook"],
      ],
    );
    assert.equal(
      out.items[2]?.summary,
      "GET http://payments.internal/healthz answered HTTP 503 (application/json, 43 characters)",
    );
    assert.deepEqual(
      out.actions.map((a) => a.text),
      ["Runbook: Roll back the last deploy of payments.", "Runbook: Raise the pool size (PAYMENTS_DB_POOL) to 20."],
    );
  });

  it("prefers the alert's runbook_url annotation, reads a catalog's file: runbook, never an alert's, and finds nothing without one", async () => {
    const alerting = { annotations: { runbook_url: "https://runbooks.example/payments.md" } } as unknown as Signal;
    const annotated = collector({ signals: async () => [alerting], runbookOf: () => null });
    await annotated.runbooks.collect(testQuery(), testBudget());
    assert.deepEqual(annotated.requests.slice(0, 1), ["GET https://runbooks.example/payments.md"]);
    const planted = { annotations: { runbook_url: "file:///etc/shadow" } } as unknown as Signal;
    const files: string[] = [];
    const { runbooks, requests } = collector({
      signals: async () => [planted],
      runbookOf: () => "file:///etc/sluice/runbooks/payments.md",
      readFile: async (path) => {
        files.push(path);
        return "# From a file\n## Checks\n1. Look at the dashboard.\n";
      },
    });
    const out = await runbooks.collect(testQuery(), testBudget());
    assert.deepEqual(requests, []);
    assert.deepEqual(files, ["/etc/sluice/runbooks/payments.md"], "the catalog's file, not the alert's");
    assert.equal(out.items[0]?.summary, 'Runbook "From a file" of payments, first steps: 1. Look at the dashboard.');
    assert.equal(out.items[0]?.link, null);
    const none = await collector().runbooks.collect(testQuery({ incident: testIncident({ service: "ledger" }) }), testBudget());
    assert.deepEqual(none.items, []);
  });

  it("stops running blocks at the step budget and fails on a runbook it cannot read", async () => {
    const { runbooks, promql } = collector();
    const out = await runbooks.collect(testQuery(), testBudget(0));
    assert.equal(promql.length, 0);
    assert.deepEqual(
      out.steps.filter((s) => s.note === "out of query steps").map((s) => s.query.split(":")[0]),
      ["promql", "http"],
    );
    const missing = collector({ runbookOf: () => "https://runbooks.example/gone.md" }).runbooks;
    await assert.rejects(missing.collect(testQuery(), testBudget()), /the runbook answered HTTP 404/);
  });
});
