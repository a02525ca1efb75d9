import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { HttpClient } from "../../../connectors/connector.ts";
import { DEFAULT_ANALYSIS_SETTINGS } from "../../analysis/settings.ts";
import { ONSET, testBudget, testQuery } from "../test-query.ts";
import { DEFAULT_METRIC_QUERIES, queriesFor } from "./default-queries.ts";
import { MetricsCollector } from "./metrics-collector.ts";
import { PrometheusClient } from "./prometheus-client.ts";

const STEP = 60_000;

/** A Prometheus answering query_range from a function of (query, time in ms), recording each request. */
function fakePrometheus(value: (query: string, at: number) => number | null): { http: HttpClient; urls: URL[] } {
  const urls: URL[] = [];
  const http: HttpClient = async (raw) => {
    const url = new URL(raw);
    urls.push(url);
    const query = url.searchParams.get("query") ?? "";
    const start = Number(url.searchParams.get("start")) * 1000;
    const end = Number(url.searchParams.get("end")) * 1000;
    const values: [number, string][] = [];
    for (let t = start; t <= end; t += STEP) {
      const v = value(query, t);
      if (v !== null) values.push([t / 1000, String(v)]);
    }
    const result = values.length > 0 ? [{ metric: {}, values }] : [];
    return new Response(JSON.stringify({ status: "success", data: { resultType: "matrix", result } }), { status: 200 });
  };
  return { http, urls };
}

// Deterministic noise, so the baseline has a spread.
const wobble = (t: number) => ((t / STEP) % 5) * 0.002;

function collector(
  http: HttpClient,
  services: Record<string, { name: string; query: string; direction: "up" | "down" | "both" }[]> = {},
) {
  return new MetricsCollector(
    new PrometheusClient(http, "http://prometheus.test:9090/"),
    { stepMs: STEP, services, linkUrl: "http://reader:s3cret@grafana.test/prom", maxServices: 3 },
    DEFAULT_ANALYSIS_SETTINGS,
  );
}

describe("metrics collector", () => {
  it("runs query_range per service and metric, and says which series departed at onset and by how much", async () => {
    const { http, urls } = fakePrometheus((query, t) => {
      const failing = query.includes('service_name="bank"') && query.includes("5..") && t > ONSET;
      return failing ? 0.4 + wobble(t) : 0.01 + wobble(t);
    });
    const out = await collector(http).collect(testQuery(), testBudget());
    assert.equal(urls.length, 3 * DEFAULT_METRIC_QUERIES.length, "every default query of every service");
    assert.equal(urls[0]?.pathname, "/api/v1/query_range");
    assert.equal(urls[0]?.searchParams.get("step"), "60s");
    assert.equal(Number(urls[0]?.searchParams.get("start")) * 1000, ONSET - 120 * STEP);
    const departed = out.metrics.filter((m) => m.departure.departedAt !== null);
    assert.deepEqual(
      departed.map((m) => [m.node, m.metric]),
      [["bank", "error-ratio"]],
    );
    assert.equal(departed[0]?.departure.departedAt, ONSET);
    const item = out.items.find((i) => i.id === departed[0]?.id);
    assert.match(item?.summary ?? "", /^bank error-ratio departed at 2026-11-02T10:00:00.000Z \(0s from onset\)/);
    assert.ok(item?.link?.startsWith("http://grafana.test/prom/graph?g0.expr="), "no credentials in links");
    assert.equal(out.steps.length, 12);
    assert.ok(out.steps.every((s) => s.status === "ok" && s.collector === "metrics"));
    assert.equal(out.metrics.length, 12, "quiet series are evidence too");
  });

  it("uses a service's own queries from the config, with its name escaped into PromQL", () => {
    const own = [{ name: "queue-depth", query: 'sum(queue_depth{app="$service"})', direction: "up" as const }];
    assert.deepEqual(queriesFor('pay"ments', { services: { 'pay"ments': own } }), [
      { name: "queue-depth", query: 'sum(queue_depth{app="pay\\"ments"})', direction: "up" },
    ]);
    assert.equal(queriesFor("other", { services: { payments: own } }).length, DEFAULT_METRIC_QUERIES.length);
    for (const name of ["constructor", "__proto__", "toString"]) {
      assert.deepEqual(
        queriesFor(name, { services: { payments: own } }).map((q) => q.name),
        DEFAULT_METRIC_QUERIES.map((q) => q.name),
        `a service named ${name} gets the defaults`,
      );
    }
    const fromCatalog = [{ name: "lag", query: 'max(kafka_lag{service="$service"})', direction: "up" as const }];
    const catalog = (service: string) => (service === "payments" ? fromCatalog : null);
    assert.deepEqual(
      queriesFor("payments", { services: {}, catalog }).map((q) => q.name),
      ["lag"],
      "the catalog entry's series",
    );
    assert.deepEqual(
      queriesFor("payments", { services: { payments: own }, catalog }).map((q) => q.name),
      ["queue-depth"],
      "the config's word over the catalog's",
    );
  });

  it("stops at the step budget and records the skipped queries; a failing query is a failed step, not a failed collector", async () => {
    const { http } = fakePrometheus(() => 1);
    const budget = testBudget(2);
    const out = await collector(http).collect(testQuery(), budget);
    assert.equal(budget.used(), 2);
    assert.equal(out.steps.filter((s) => s.status === "ok").length, 2);
    assert.equal(out.steps.filter((s) => s.status === "skipped").length, 10);

    const broken: HttpClient = async () =>
      new Response(JSON.stringify({ status: "error", error: "parse error at char 3" }), { status: 400 });
    const failed = await collector(broken).collect(testQuery({ services: ["payments"] }), testBudget());
    assert.equal(failed.steps.length, DEFAULT_METRIC_QUERIES.length);
    assert.ok(
      failed.steps.every((s) => s.status === "failed" && s.note === "query_range answered HTTP 400: parse error at char 3"),
    );
    assert.deepEqual(failed.items, []);
  });

  it("judges series from `lead` before the first signal: at the alert, the departure that fired it lies before it", async () => {
    // Errors since five minutes before the incident's first signal; the investigation runs as it opens.
    const { http } = fakePrometheus((query, t) =>
      query.includes('service_name="bank"') && query.includes("5..") && t > ONSET - 5 * STEP ? 0.4 : 0.01 + wobble(t),
    );
    const atOpen = testQuery({ to: ONSET, services: ["bank"] });
    const without = await collector(http).collect(atOpen, testBudget());
    assert.ok(
      without.metrics.every((m) => m.departure.departedAt === null),
      "without a lead nothing has happened yet",
    );
    const led = new MetricsCollector(
      new PrometheusClient(http, "http://prometheus.test:9090/"),
      { stepMs: STEP, services: {}, linkUrl: "http://prometheus.test:9090/", maxServices: 3, lead: 10 * STEP },
      DEFAULT_ANALYSIS_SETTINGS,
    );
    const withLead = await led.collect(atOpen, testBudget());
    const errors = withLead.metrics.find((m) => m.metric === "error-ratio");
    assert.equal(errors?.departure.departedAt, ONSET - 5 * STEP, "the first sample after the errors began");
    assert.match(withLead.items.find((i) => i.id === errors?.id)?.summary ?? "", /\(-300s from onset\)/);
  });

  it("does not judge a series with too little baseline", async () => {
    const { http } = fakePrometheus((_, t) => (t > ONSET - 65 * STEP ? 5 : null));
    const out = await collector(http).collect(testQuery({ services: ["payments"] }), testBudget());
    assert.deepEqual(out.metrics, []);
    assert.ok(out.steps.every((s) => s.status === "ok" && s.items === 0));
  });
});
