import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { HttpClient } from "../../../connectors/connector.ts";
import { createRedactor } from "../../../redact/redactor.ts";
import { ONSET, testBudget, testQuery } from "../test-query.ts";
import { LokiClient } from "./loki-client.ts";
import { LokiCollector } from "./loki-collector.ts";

const MINUTE = 60_000;

/** A Loki answering query_range with lines per service, recording each request. */
function fakeLoki(lines: Record<string, [number, string][]>): { http: HttpClient; urls: URL[] } {
  const urls: URL[] = [];
  const http: HttpClient = async (raw) => {
    const url = new URL(raw);
    urls.push(url);
    const query = url.searchParams.get("query") ?? "";
    if (query.includes("sum(")) {
      return new Response(JSON.stringify({ status: "success", data: { resultType: "matrix", result: [] } }), { status: 200 });
    }
    if (query.includes("syntax error")) {
      return new Response(JSON.stringify({ status: "error", error: "parse error at line 1, col 3" }), { status: 400 });
    }
    const service = /service_name="([^"]+)"/.exec(query)?.[1] ?? "";
    const result = [
      { stream: { service_name: service }, values: (lines[service] ?? []).map(([at, line]) => [`${at}000000`, line]) },
    ];
    return new Response(JSON.stringify({ status: "success", data: { resultType: "streams", result } }), { status: 200 });
  };
  return { http, urls };
}

function collector(http: HttpClient) {
  return new LokiCollector(new LokiClient(http, "http://loki.test:3100"), {
    query: '{service_name="$service"} |= "error"',
    limit: 100,
    maxServices: 2,
    lead: 5 * MINUTE,
    linkTemplate: "https://grafana.test/explore?query=$query",
    redact: createRedactor().redact,
  });
}

describe("Loki collector", () => {
  it("groups each service's error lines by pattern and calls out the ones the incident brought", async () => {
    const { http, urls } = fakeLoki({
      payments: [
        [ONSET - 40 * MINUTE, "error: cache miss for key 17"],
        [ONSET - 30 * MINUTE, "error: cache miss for key 18"],
        [ONSET - MINUTE, "error: timeout acquiring a connection after 100 ms password=hunter2"],
        [ONSET, "error: timeout acquiring a connection after 120 ms password=hunter2"],
        [ONSET + MINUTE, "error: timeout acquiring a connection after 140 ms password=hunter2"],
      ],
    });
    const out = await collector(http).collect(testQuery(), testBudget());
    assert.equal(urls.length, 2, "the incident's service and one neighbour");
    assert.equal(urls[0]?.pathname, "/loki/api/v1/query_range");
    assert.equal(urls[0]?.searchParams.get("query"), '{service_name="payments"} |= "error"');
    assert.equal(urls[0]?.searchParams.get("start"), `${ONSET - 60 * MINUTE}000000`);
    assert.equal(urls[0]?.searchParams.get("direction"), "backward");
    assert.deepEqual(
      out.items.map((i) => i.id),
      ["loki-1", "loki-2"],
    );
    assert.match(
      out.items[0]?.summary ?? "",
      /^3× payments in Loki: "error: timeout acquiring a connection after <\*> ms password=<\*>", first seen .* \(NEW: not in the window before the incident\)/,
    );
    assert.ok(!out.items.some((i) => i.summary.includes("hunter2")), "lines are redacted");
    assert.doesNotMatch(out.items[1]?.summary ?? "", /NEW/);
    assert.deepEqual(out.extra, [
      { kind: "error-pattern", id: "loki-1", node: "payments", afterChange: false, summary: out.extra[0]?.summary },
    ]);
    assert.equal(
      out.items[0]?.link,
      `https://grafana.test/explore?query=${encodeURIComponent('{service_name="payments"} |= "error"')}`,
    );
    assert.deepEqual(
      out.steps.map((s) => [s.status, s.items, s.note]),
      [
        ["ok", 2, "5 lines"],
        ["ok", 0, "no lines"],
      ],
    );
  });

  it("records a query Loki refuses as a failed step, and a metric query as not a log query", async () => {
    const { http } = fakeLoki({});
    const refusing = new LokiCollector(new LokiClient(http, "http://loki.test:3100/"), {
      query: "{syntax error",
      limit: 10,
      maxServices: 1,
      lead: 0,
      linkTemplate: null,
      redact: (t) => t,
    });
    const out = await refusing.collect(testQuery(), testBudget());
    assert.deepEqual(
      out.steps.map((s) => [s.status, s.note]),
      [["failed", "Loki answered HTTP 400: parse error at line 1, col 3"]],
    );
    await assert.rejects(
      collector(http).probe(
        'sum(count_over_time({service_name="x"}[5m]))',
        testQuery(),
        "runbook-2",
        new AbortController().signal,
      ),
      /not a log query: Loki answered a matrix/,
    );
  });

  it("runs a runbook's LogQL block as one evidence item", async () => {
    const { http } = fakeLoki({
      payments: [
        [ONSET, "error: boom 1"],
        [ONSET + 1000, "error: boom 2"],
      ],
    });
    const item = await collector(http).probe(
      '{service_name="payments"} |= "boom"',
      testQuery(),
      "runbook-3",
      new AbortController().signal,
    );
    assert.equal(item.id, "runbook-3");
    assert.match(item.summary, /^2 lines \(1 patterns\) since .*; latest: "error: boom 2"$/);
  });
});
