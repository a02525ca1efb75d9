import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { inMemorySluice } from "../testing/in-memory-sluice.ts";
import { checkoutTrace, toOtlpJson } from "../traces/test-fixtures.ts";

// A standing corpus: the names every plain JavaScript object already answers to (its prototype's
// properties), sent as values and as keys in every field of every ingest route. A lookup into an
// object literal keyed by what a sender wrote finds these names even though nobody put them there;
// the answer must be a 2xx (the value is just text) or a clear 4xx, never a 5xx.

/** Property names of Object.prototype and Function.prototype, plus words lookups lower-case or trim into them. */
export const PROPERTY_NAMES = [
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "valueOf",
  "hasOwnProperty",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "toLocaleString",
  "__defineGetter__",
  "__defineSetter__",
  "__lookupGetter__",
  "__lookupSetter__",
  "call",
  "apply",
  "bind",
  "length",
  "name",
  "then",
  " __proto__ ",
  "CONSTRUCTOR",
] as const;

const PROTOTYPE_BEFORE = Object.getOwnPropertyNames(Object.prototype).sort();
const T0 = Date.parse("2026-11-02T10:00:00Z");
const str = (value: string) => ({ stringValue: value });

/** Replaces each "<SEQ>" with a number of its own (8 digits), so no variant is a duplicate of one sent before. */
let sequence = 0;
const unique = (text: string) => text.replaceAll("<SEQ>", () => String(++sequence).padStart(8, "0"));

/** One valid request per ingest route and document kind; each must be accepted as it is. */
function baseRequests(): { name: string; url: string; body: unknown; ndjson?: boolean }[] {
  // Each variant its own trace (8 decimal digits are hex too), so each is analysed, not merged into the first.
  const trace = checkoutTrace("payments", { t0: T0 - 1000, traceId: `<SEQ>${"ab".repeat(12)}` }).slice(3, 6);
  const traces = toOtlpJson(trace) as { resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[] };
  for (const resource of traces.resourceSpans) {
    for (const scope of resource.scopeSpans) {
      for (const span of scope.spans) {
        // Kinds by name (as some senders write them), so a kind is a string to replace too.
        span.kind = ["SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT"][span.kind as number];
        (span.attributes as unknown[]).push({ key: "http.route", value: str("/pay") });
      }
    }
  }
  const alert = {
    status: "firing",
    labels: { alertname: "CheckoutDown", service: "checkout", severity: "critical", instance: "a", team: "shop" },
    annotations: { summary: "checkout is failing", description: "5xx above 5%", runbook_url: "https://runbooks/checkout" },
    startsAt: "2026-11-02T09:59:00Z",
    endsAt: "0001-01-01T00:00:00Z",
    generatorURL: "http://prometheus:9090/graph",
    fingerprint: "abc123-<SEQ>",
  };
  const notification = {
    version: "4",
    groupKey: '{}:{alertname="CheckoutDown"}',
    status: "firing",
    receiver: "sluice",
    groupLabels: { alertname: "CheckoutDown" },
    commonLabels: { alertname: "CheckoutDown", service: "checkout" },
    commonAnnotations: { summary: "checkout is failing" },
    externalURL: "http://alertmanager:9093",
    alerts: [alert],
  };
  const grafana = {
    ...notification,
    orgId: 1,
    title: "[FIRING:1] CheckoutDown",
    alerts: [{ ...alert, dashboardURL: "http://grafana/d/1", panelURL: "http://grafana/d/1?viewPanel=2", valueString: "A=7" }],
  };
  const anomaly = {
    event_id: "evt-<SEQ>",
    "@timestamp": "2026-11-02T09:59:30Z",
    anomaly_type: "error_rate",
    anomaly_score: 0.95,
    severity: "high",
    service: "payments",
    tenant_id: "acme",
    environment: "production",
    error_message: "timeout after 3000ms calling bank",
    error_category: "timeout",
    status: "open",
    affected_users: ["u-1"],
    affected_services: ["checkout"],
    labels: { region: "eu" },
    host: { name: "pay-1", meta: { rack: "r7" } },
  };
  const generic = {
    sourceId: "gen-<SEQ>",
    source: "nagios",
    kind: "alert",
    status: "firing",
    service: "cart",
    title: "cart is slow",
    message: "p99 above 2s",
    severity: "warning",
    tenant: "acme",
    environment: "staging",
    occurredAt: "2026-11-02T09:59:30Z",
    alertKey: "cart-slow",
    labels: { team: "shop" },
    annotations: { runbook: "https://runbooks/cart" },
    affectedServices: ["checkout"],
  };
  const logs = {
    resourceLogs: [
      {
        resource: {
          attributes: [
            { key: "service.name", value: str("checkout") },
            { key: "deployment.environment.name", value: str("staging") },
          ],
        },
        scopeLogs: [
          {
            scope: { name: "app" },
            logRecords: [
              {
                timeUnixNano: `${T0 - 1000}000000`,
                severityNumber: 17,
                severityText: "ERROR",
                body: str("payment 7731 declined: card expired"),
                attributes: [{ key: "order.id", value: { intValue: "7731" } }],
              },
            ],
          },
        ],
      },
    ],
  };
  const change = {
    id: "argo-<SEQ>",
    source: "argo",
    service: "cart",
    version: "v3.1.0",
    summary: "rollout",
    labels: { team: "shop" },
  };
  const pagerDutyChange = {
    routing_key: "abc",
    payload: { summary: "Deploy <SEQ>", source: "cart", timestamp: "2026-11-02T09:59:00Z", custom_details: { build: "99" } },
    links: [{ href: "https://ci/99", text: "build" }],
  };
  const github = {
    action: "created",
    deployment_status: {
      id: "<SEQ>",
      state: "success",
      environment: "production",
      description: "deployed",
      target_url: "https://ci/1",
      created_at: "2026-11-02T09:59:00Z",
    },
    deployment: { sha: "abc", ref: "main", environment: "production", payload: { reason: "release" } },
    repository: { name: "cart", full_name: "shop/cart", html_url: "https://github.com/shop/cart" },
    sender: { login: "dev" },
  };
  return [
    { name: "anomaly event", url: "/api/v1/signals", body: anomaly },
    { name: "anomaly event (NDJSON)", url: "/api/v1/signals", body: anomaly, ndjson: true },
    { name: "generic signal", url: "/api/v1/signals", body: generic },
    { name: "generic signal (NDJSON)", url: "/api/v1/signals", body: generic, ndjson: true },
    { name: "alertmanager", url: "/api/v1/webhooks/alertmanager", body: notification },
    { name: "grafana", url: "/api/v1/webhooks/grafana", body: grafana },
    { name: "traces", url: "/v1/traces", body: traces },
    { name: "logs", url: "/v1/logs", body: logs },
    { name: "change", url: "/api/v1/changes", body: change },
    { name: "change (NDJSON)", url: "/api/v1/changes", body: change, ndjson: true },
    { name: "pagerduty change", url: "/api/v1/changes", body: pagerDutyChange },
    { name: "github deployment", url: "/api/v1/changes", body: github },
  ];
}

type Path = (string | number)[];

/** Every leaf (string, number, boolean) and every object of a document, by path. */
function walk(value: unknown, path: Path = [], out: { leaves: Path[]; objects: Path[] } = { leaves: [], objects: [] }) {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      walk(item, [...path, i], out);
    });
  } else if (value !== null && typeof value === "object") {
    out.objects.push(path);
    for (const [key, item] of Object.entries(value)) walk(item, [...path, key], out);
  } else out.leaves.push(path);
  return out;
}

/** A deep copy of `document` with `change` applied to the value at `path`. */
function mutate(document: unknown, path: Path, change: (parent: Record<string | number, unknown>, key: string | number) => void) {
  const copy = JSON.parse(JSON.stringify(document)) as Record<string | number, unknown>;
  if (path.length === 0) {
    change({ root: copy }, "root");
    return copy;
  }
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  change(parent, path.at(-1) as string | number);
  return copy;
}

/** Every variant of a base document: each leaf replaced by each name, each object given each name as a key. */
function variants(body: unknown): { what: string; text: string }[] {
  const { leaves, objects } = walk(body);
  const out: { what: string; text: string }[] = [];
  for (const path of leaves) {
    for (const name of PROPERTY_NAMES) {
      const changed = mutate(body, path, (parent, key) => {
        parent[key] = name;
      });
      out.push({ what: `${path.join(".")} = ${JSON.stringify(name)}`, text: JSON.stringify(changed) });
    }
  }
  for (const path of objects) {
    for (const name of PROPERTY_NAMES) {
      // JSON.stringify would drop an own "__proto__" key set by assignment: write it into the text.
      const marker = "__corpus_key__";
      const changed = mutate(body, path, (parent, key) => {
        const target = key === "root" && path.length === 0 ? parent.root : parent[key];
        (target as Record<string, unknown>)[marker] = "x";
      });
      out.push({
        what: `${path.join(".") || "(body)"}[${JSON.stringify(name)}] = "x"`,
        text: JSON.stringify(changed).replace(`"${marker}"`, JSON.stringify(name)),
      });
    }
  }
  return out;
}

describe("property names as values and keys, on every ingest route", async () => {
  const { sluice, clock } = await inMemorySluice({ traces: { assemblyDelay: "1s" } }, T0);
  after(() => sluice.close());

  for (const base of baseRequests()) {
    it(`${base.name}: every variant is a 2xx or a clear 4xx, never a 5xx`, async () => {
      const contentType = base.ndjson ? "application/x-ndjson" : "application/json";
      const original = await sluice.server.inject({
        method: "POST",
        url: base.url,
        headers: { "content-type": contentType },
        payload: unique(JSON.stringify(base.body)),
      });
      assert.ok(original.statusCode < 300, `the base ${base.name} is accepted: ${original.statusCode} ${original.body}`);
      const failures: string[] = [];
      for (const variant of variants(base.body)) {
        const response = await sluice.server.inject({
          method: "POST",
          url: base.url,
          headers: { "content-type": contentType },
          payload: unique(variant.text),
        });
        if (response.statusCode >= 500) failures.push(`${variant.what}: ${response.statusCode} ${response.body}`);
        else if (response.statusCode >= 400) {
          const error = response.json().error as { code?: string; message?: string } | undefined;
          if (!error?.code || !error.message) failures.push(`${variant.what}: ${response.statusCode} without a clear error`);
        }
      }
      assert.deepEqual(failures.slice(0, 20), [], `${failures.length} variant(s) failed`);
    });
  }

  it("assembles the traces with those names into the graph and their signals into incidents", async () => {
    clock.advance(5_000);
    const assembler = sluice.traces?.assembler;
    assert.ok(assembler);
    while ((await assembler.runOnce(clock.now())) > 0) {}
    await sluice.runner.flush();
    for (const tenant of ["default", ...PROPERTY_NAMES]) {
      const graph = await sluice.server.inject({ url: `/api/traces/graph?tenant=${encodeURIComponent(tenant)}` });
      assert.equal(graph.statusCode, 200, `${tenant}: ${graph.body}`);
    }
  });

  it("reads, delivers and compares the incidents those signals opened without a failure", async () => {
    sluice.start();
    await sluice.worker.flush();
    const incidents = await sluice.server.inject({ url: "/api/incidents?limit=200" });
    assert.equal(incidents.statusCode, 200, incidents.body);
    const items = incidents.json().items as { key: string }[];
    assert.ok(items.length > 10, `the corpus opened incidents: ${items.length}`);
    for (const { key } of items) {
      for (const url of [`/api/incidents/${key}`, `/api/incidents/${key}/timeline`, `/api/incidents/${key}/similar`]) {
        const response = await sluice.server.inject({ url });
        assert.equal(response.statusCode, 200, `${url}: ${response.body}`);
      }
    }
    const dead = await sluice.server.inject({ url: "/api/deliveries?status=dead" });
    assert.equal(dead.statusCode, 200, dead.body);
    assert.deepEqual(dead.json().items, [], "no delivery failed");
  });

  it("left Object.prototype as it was", () => {
    assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), PROTOTYPE_BEFORE);
  });
});
