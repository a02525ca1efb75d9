import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { InjectOptions, LightMyRequestResponse } from "fastify";
import pino from "pino";
import { parseConfig } from "../config/loader.ts";
import { createSluice, type Sluice } from "../main.ts";

// Every way a sender can get a request wrong must end in a 4xx with the one error body shape
// ({error: {code, message, problems?}}) naming the bad field, never in a 5xx, and must leave nothing
// stored. In-process (Fastify inject), dry run, throwaway database.

const BODY_LIMIT = 10 * 1024;

async function startSluice(): Promise<Sluice> {
  const { config } = parseConfig({ server: { bodyLimit: BODY_LIMIT }, log: { level: "silent" } }, {}, process.cwd(), "test");
  return createSluice(config, { dryRun: true, dataDir: ":memory:", logger: pino({ level: "silent" }), processMetrics: false });
}

interface ErrorBody {
  error: { code: string; message: string; problems?: { path: string; message: string }[] };
}

/** Asserts the one error shape and returns it. */
function errorOf(response: LightMyRequestResponse): ErrorBody["error"] {
  assert.match(String(response.headers["content-type"]), /^application\/json/, "error bodies are JSON");
  const body = response.json() as ErrorBody;
  assert.equal(typeof body.error, "object", `body has an "error" object: ${response.body}`);
  assert.deepEqual(Object.keys(body), ["error"], "nothing besides error at the top level");
  const { code, message, problems } = body.error;
  assert.match(code, /^[A-Z_]+$/, "code is a stable UPPER_SNAKE code");
  assert.equal(typeof message, "string");
  assert.ok(message.length > 0, "message says something");
  if (problems !== undefined) {
    assert.ok(Array.isArray(problems) && problems.length > 0, "problems, when present, is a non-empty list");
    for (const problem of problems) {
      assert.equal(typeof problem.path, "string");
      assert.equal(typeof problem.message, "string");
      assert.ok(problem.path.length > 0 && problem.message.length > 0, `problem is complete: ${JSON.stringify(problem)}`);
    }
  }
  return body.error;
}

const event = (id: string, extra: Record<string, unknown> = {}) => ({
  event_id: id,
  "@timestamp": new Date().toISOString(),
  anomaly_score: 0.95,
  service: "checkout",
  message: `upstream timeout after ${100 + id.length}ms`,
  ...extra,
});

/** An array nested `levels` deep: [[[…]]]. */
const nested = (levels: number): unknown => JSON.parse(`${"[".repeat(levels)}${"]".repeat(levels)}`);

const json = (payload: unknown): Pick<InjectOptions, "headers" | "payload"> => ({
  headers: { "content-type": "application/json" },
  payload: JSON.stringify(payload),
});

interface ErrorCase {
  name: string;
  request: InjectOptions;
  status: number;
  code: string;
  /** Exact paths the problems must name (in any order); omitted when the error has no field to name. */
  paths?: string[];
  /** Text the message must contain. */
  message?: RegExp;
}

// Valid items mixed with bad ones: the request must be refused as a whole.
const MIXED_BATCH = [
  event("mixed-ok-1"),
  event("mixed-bad-1", { anomaly_score: "0.97" }),
  event("mixed-ok-2"),
  event("mixed-bad-2", { service: 7 }),
];
const MIXED_NDJSON = [event("nd-ok-1"), event("nd-ok-2")].map((e) => JSON.stringify(e)).join("\n");

const cases: ErrorCase[] = [
  // Bodies that are not JSON at all.
  {
    name: "malformed JSON",
    request: {
      method: "POST",
      url: "/api/v1/signals",
      headers: { "content-type": "application/json" },
      payload: '{"event_id": "x",',
    },
    status: 400,
    code: "MALFORMED_BODY",
  },
  {
    name: "empty body with a JSON content type",
    request: { method: "POST", url: "/api/v1/signals", headers: { "content-type": "application/json" }, payload: "" },
    status: 400,
    code: "MALFORMED_BODY",
  },
  {
    name: "prototype-poisoning JSON",
    request: {
      method: "POST",
      url: "/api/v1/signals",
      headers: { "content-type": "application/json" },
      payload: '{"__proto__": {"admin": true}, "event_id": "p", "anomaly_score": 0.9, "service": "s"}',
    },
    status: 400,
    code: "MALFORMED_BODY",
  },
  {
    name: "prototype-poisoning NDJSON, named by line and key",
    request: {
      method: "POST",
      url: "/api/v1/signals",
      headers: { "content-type": "application/x-ndjson" },
      payload: `${JSON.stringify(event("pp-1"))}\n{"event_id":"pp-2","anomaly_score":0.9,"service":"s","labels":{"__proto__":"x"}}\n`,
    },
    status: 400,
    code: "MALFORMED_BODY",
    paths: ["[1].labels.__proto__"],
  },
  // Wrong types.
  {
    name: "anomaly_score as a string",
    request: { method: "POST", url: "/api/v1/signals", ...json(event("t1", { anomaly_score: "0.95" })) },
    status: 422,
    code: "VALIDATION_FAILED",
    paths: ["anomaly_score"],
  },
  {
    name: "anomaly_score out of range",
    request: { method: "POST", url: "/api/v1/signals", ...json(event("t2", { anomaly_score: 1.5 })) },
    status: 422,
    code: "VALIDATION_FAILED",
    paths: ["anomaly_score"],
  },
  {
    name: "unknown severity",
    request: { method: "POST", url: "/api/v1/signals", ...json(event("t3", { severity: "apocalyptic" })) },
    status: 422,
    code: "VALIDATION_FAILED",
    paths: ["severity"],
    message: /invalid signal/,
  },
  {
    name: "service as a number",
    request: { method: "POST", url: "/api/v1/signals", ...json(event("t4", { service: 42 })) },
    status: 422,
    code: "VALIDATION_FAILED",
    paths: ["service"],
  },
  {
    name: "unparseable @timestamp",
    request: { method: "POST", url: "/api/v1/signals", ...json(event("t5", { "@timestamp": "yesterday at noon" })) },
    status: 422,
    code: "VALIDATION_FAILED",
    paths: ["@timestamp"],
  },
  {
    name: "labels with a non-string value",
    request: { method: "POST", url: "/api/v1/signals", ...json(event("t6", { labels: { team: 5 } })) },
    status: 422,
    code: "VALIDATION_FAILED",
    paths: ["labels.team"],
  },
  {
    name: "a JSON number instead of an object",
    request: { method: "POST", url: "/api/v1/signals", headers: { "content-type": "application/json" }, payload: "42" },
    status: 422,
    code: "VALIDATION_FAILED",
    paths: ["(body)"],
  },
  {
    name: "an array of non-objects",
    request: { method: "POST", url: "/api/v1/signals", ...json([1, "two", null]) },
    status: 422,
    code: "VALIDATION_FAILED",
    paths: ["[0]", "[1]", "[2]"],
  },
  {
    name: "generic signal with an unknown field",
    request: { method: "POST", url: "/api/v1/signals", ...json({ service: "api", title: "disk full", colour: "red" }) },
    status: 422,
    code: "VALIDATION_FAILED",
    paths: ["(body)"],
    message: /invalid signal/,
  },
  // Missing fields.
  {
    name: "anomaly event without service",
    request: { method: "POST", url: "/api/v1/signals", ...json({ event_id: "m1", anomaly_score: 0.9, message: "boom" }) },
    status: 422,
    code: "VALIDATION_FAILED",
    paths: ["service"],
  },
  {
    name: "anomaly event without anomaly_score",
    request: { method: "POST", url: "/api/v1/signals", ...json({ event_id: "m2", service: "checkout", message: "boom" }) },
    status: 422,
    code: "VALIDATION_FAILED",
    paths: ["anomaly_score"],
  },
  {
    name: "generic signal without title",
    request: { method: "POST", url: "/api/v1/signals", ...json({ service: "api" }) },
    status: 422,
    code: "VALIDATION_FAILED",
    paths: ["title"],
  },
  {
    name: "batch with two bad items among good ones names both by index",
    request: { method: "POST", url: "/api/v1/signals", ...json(MIXED_BATCH) },
    status: 422,
    code: "VALIDATION_FAILED",
    paths: ["[1].anomaly_score", "[3].service"],
    message: /invalid signals/,
  },
  // Empty.
  {
    name: "empty array",
    request: { method: "POST", url: "/api/v1/signals", ...json([]) },
    status: 422,
    code: "VALIDATION_FAILED",
    paths: ["(body)"],
  },
  {
    name: "NDJSON with only blank lines",
    request: { method: "POST", url: "/api/v1/signals", headers: { "content-type": "application/x-ndjson" }, payload: "\n\n  \n" },
    status: 422,
    code: "VALIDATION_FAILED",
    paths: ["(body)"],
  },
  // Too large.
  {
    name: "JSON body beyond server.bodyLimit",
    request: {
      method: "POST",
      url: "/api/v1/signals",
      ...json(Array.from({ length: 30 }, (_, i) => event(`big-${i}`, { description: "x".repeat(500) }))),
    },
    status: 413,
    code: "PAYLOAD_TOO_LARGE",
  },
  {
    name: "NDJSON body beyond server.bodyLimit",
    request: {
      method: "POST",
      url: "/api/v1/signals",
      headers: { "content-type": "application/x-ndjson" },
      payload: Array.from({ length: 30 }, (_, i) => JSON.stringify(event(`bignd-${i}`, { description: "y".repeat(500) }))).join(
        "\n",
      ),
    },
    status: 413,
    code: "PAYLOAD_TOO_LARGE",
  },
  // Too deep: about 4,100 levels overflowed the stack while the unmapped fields were capped (a 500).
  {
    name: "an extra field nested 4,100 levels deep",
    request: { method: "POST", url: "/api/v1/signals", ...json(event("deep-1", { extra: nested(4100) })) },
    status: 422,
    code: "VALIDATION_FAILED",
    paths: ["extra[0][0][0][0][0][0][0]…"],
    message: /nests deeper than 64 levels/,
  },
  {
    name: "an NDJSON item nested 4,100 levels deep",
    request: {
      method: "POST",
      url: "/api/v1/signals",
      headers: { "content-type": "application/x-ndjson" },
      payload: `${JSON.stringify(event("deep-2"))}\n${JSON.stringify(event("deep-3", { extra: nested(4100) }))}\n`,
    },
    status: 422,
    code: "VALIDATION_FAILED",
    paths: ["[1].extra[0][0][0][0][0][0]…"],
  },
  {
    name: "an Alertmanager alert nested one level deeper than the limit",
    request: {
      method: "POST",
      url: "/api/v1/webhooks/alertmanager",
      ...json({
        version: "4",
        groupKey: "g",
        status: "firing",
        receiver: "sluice",
        alerts: [{ status: "firing", labels: { alertname: "Deep" }, startsAt: "2024-01-01T00:00:00Z", extra: nested(62) }],
      }),
    },
    status: 422,
    code: "VALIDATION_FAILED",
    paths: ["alerts[0].extra[0][0][0][0][0]…"],
  },
  // Wrong content type.
  {
    name: "text/plain body",
    request: {
      method: "POST",
      url: "/api/v1/signals",
      headers: { "content-type": "text/plain" },
      payload: JSON.stringify(event("ct1")),
    },
    status: 415,
    code: "UNSUPPORTED_MEDIA_TYPE",
  },
  {
    name: "application/xml body",
    request: { method: "POST", url: "/api/v1/signals", headers: { "content-type": "application/xml" }, payload: "<signal/>" },
    status: 415,
    code: "UNSUPPORTED_MEDIA_TYPE",
  },
  {
    name: "body without a content type",
    request: { method: "POST", url: "/api/v1/signals", payload: Buffer.from(JSON.stringify(event("ct2"))) },
    status: 415,
    code: "UNSUPPORTED_MEDIA_TYPE",
  },
  // NDJSON.
  {
    name: "NDJSON with a line that is not JSON names the line",
    request: {
      method: "POST",
      url: "/api/v1/signals",
      headers: { "content-type": "application/x-ndjson" },
      payload: `${MIXED_NDJSON}\n{"event_id": "nd-bad", \n`,
    },
    status: 400,
    code: "MALFORMED_BODY",
    message: /line 3\b/,
  },
  {
    name: "NDJSON with an invalid item names it by index",
    request: {
      method: "POST",
      url: "/api/v1/signals",
      headers: { "content-type": "application/x-ndjson" },
      payload: `${MIXED_NDJSON}\n${JSON.stringify(event("nd-bad-2", { anomaly_score: null }))}\n`,
    },
    status: 422,
    code: "VALIDATION_FAILED",
    paths: ["[2].anomaly_score"],
  },
  // Unknown routes and methods.
  { name: "GET /nope", request: { method: "GET", url: "/nope" }, status: 404, code: "NOT_FOUND", message: /GET \/nope/ },
  {
    name: "POST /api/v1/nope",
    request: { method: "POST", url: "/api/v1/nope", ...json(event("r1")) },
    status: 404,
    code: "NOT_FOUND",
    message: /POST \/api\/v1\/nope/,
  },
  {
    name: "PUT /api/v1/signals",
    request: { method: "PUT", url: "/api/v1/signals", ...json(event("r2")) },
    status: 405,
    code: "METHOD_NOT_ALLOWED",
    message: /PUT is not allowed on \/api\/v1\/signals; use POST/,
  },
  // Query parameters.
  {
    name: "GET /api/incidents?limit=0",
    request: { method: "GET", url: "/api/incidents?limit=0" },
    status: 422,
    code: "VALIDATION_FAILED",
    paths: ["query.limit"],
  },
  {
    name: "GET /api/incidents?limit=abc",
    request: { method: "GET", url: "/api/incidents?limit=abc" },
    status: 422,
    code: "VALIDATION_FAILED",
    paths: ["query.limit"],
  },
  {
    name: "GET /api/incidents?limit=501",
    request: { method: "GET", url: "/api/incidents?limit=501" },
    status: 422,
    code: "VALIDATION_FAILED",
    paths: ["query.limit"],
  },
  {
    name: "GET /api/incidents?state=bogus",
    request: { method: "GET", url: "/api/incidents?state=bogus" },
    status: 422,
    code: "VALIDATION_FAILED",
    paths: ["query.state[0]"],
  },
  {
    name: "GET /api/incidents?state=open,bogus names the second value",
    request: { method: "GET", url: "/api/incidents?state=open,bogus" },
    status: 422,
    code: "VALIDATION_FAILED",
    paths: ["query.state[1]"],
  },
  {
    name: "GET /api/incidents?since=not-a-date",
    request: { method: "GET", url: "/api/incidents?since=not-a-date" },
    status: 422,
    code: "VALIDATION_FAILED",
    paths: ["query.since"],
  },
  {
    name: "GET /api/incidents?cursor=abc",
    request: { method: "GET", url: "/api/incidents?cursor=abc" },
    status: 422,
    code: "VALIDATION_FAILED",
    paths: ["query.cursor"],
  },
  {
    name: "GET /api/incidents with an unknown parameter",
    request: { method: "GET", url: "/api/incidents?colour=red" },
    status: 422,
    code: "VALIDATION_FAILED",
    paths: ["query"],
  },
  {
    name: "GET /api/deliveries?status=bogus",
    request: { method: "GET", url: "/api/deliveries?status=bogus" },
    status: 422,
    code: "VALIDATION_FAILED",
    paths: ["query.status"],
  },
  // Unknown things.
  {
    name: "unknown incident",
    request: { method: "GET", url: "/api/incidents/INC-404" },
    status: 404,
    code: "NOT_FOUND",
    message: /INC-404/,
  },
  {
    name: "acknowledge an unknown incident",
    request: { method: "POST", url: "/api/incidents/INC-404/acknowledge", ...json({ reason: "on it" }) },
    status: 404,
    code: "NOT_FOUND",
  },
  {
    name: "timeline of an unknown incident",
    request: { method: "GET", url: "/api/incidents/01ARZ3NDEKTSV4RRFFQ69G5FAV/timeline" },
    status: 404,
    code: "NOT_FOUND",
  },
  {
    name: "deliveries of an unknown incident",
    request: { method: "GET", url: "/api/deliveries?incident=INC-404" },
    status: 404,
    code: "NOT_FOUND",
  },
  {
    name: "retry an unknown delivery",
    request: { method: "POST", url: "/api/deliveries/nope/retry" },
    status: 404,
    code: "NOT_FOUND",
  },
  // Alert webhooks.
  {
    name: "Alertmanager payload with the wrong version",
    request: {
      method: "POST",
      url: "/api/v1/webhooks/alertmanager",
      ...json({ version: "3", groupKey: "g", status: "firing", receiver: "sluice", alerts: [] }),
    },
    status: 422,
    code: "VALIDATION_FAILED",
    paths: ["version"],
  },
  {
    name: "Alertmanager payload without alerts",
    request: {
      method: "POST",
      url: "/api/v1/webhooks/alertmanager",
      ...json({ version: "4", groupKey: "g", status: "firing", receiver: "sluice" }),
    },
    status: 422,
    code: "VALIDATION_FAILED",
    paths: ["alerts"],
  },
  {
    name: "Alertmanager alert with a bad startsAt and one without labels",
    request: {
      method: "POST",
      url: "/api/v1/webhooks/alertmanager",
      ...json({
        version: "4",
        groupKey: "g",
        status: "firing",
        receiver: "sluice",
        alerts: [
          { status: "firing", labels: { alertname: "HighLatency", service: "api" }, startsAt: "2024-01-01T00:00:00Z" },
          { status: "firing", startsAt: "2024-01-01T00:00:00Z" },
        ],
      }),
    },
    status: 422,
    code: "VALIDATION_FAILED",
    paths: ["alerts[1].labels"],
  },
  {
    name: "Grafana payload that is an array",
    request: { method: "POST", url: "/api/v1/webhooks/grafana", ...json([]) },
    status: 422,
    code: "VALIDATION_FAILED",
    paths: ["(body)"],
  },
  // Lifecycle bodies.
  {
    name: "note without text",
    request: { method: "POST", url: "/api/incidents/INC-1/notes", ...json({}) },
    status: 422,
    code: "VALIDATION_FAILED",
    paths: ["text"],
  },
];

describe("API errors: every bad request gets a 4xx naming the problem", () => {
  let sluice: Sluice;

  before(async () => {
    sluice = await startSluice();
  });

  after(async () => {
    await sluice.close();
  });

  for (const c of cases) {
    test(c.name, async () => {
      const response = await sluice.server.inject(c.request);
      assert.ok(response.statusCode < 500, `never a 5xx (got ${response.statusCode}: ${response.body})`);
      assert.equal(response.statusCode, c.status, `status (body: ${response.body})`);
      const error = errorOf(response);
      assert.equal(error.code, c.code);
      if (c.message) assert.match(error.message, c.message);
      if (c.paths) {
        assert.ok(error.problems, `problems name the field (body: ${response.body})`);
        assert.deepEqual(error.problems.map((p) => p.path).sort(), [...c.paths].sort());
      }
    });
  }

  test("rejected requests stored nothing: no incident, no signal, nothing counted as accepted", async () => {
    await sluice.runner.flush();
    const list = await sluice.server.inject({ method: "GET", url: "/api/incidents" });
    assert.equal(list.statusCode, 200);
    assert.deepEqual(list.json().items, []);
    const deliveries = await sluice.server.inject({ method: "GET", url: "/api/deliveries" });
    assert.deepEqual(deliveries.json().items, []);
    const metrics = (await sluice.server.inject({ method: "GET", url: "/metrics" })).body;
    assert.doesNotMatch(metrics, /^sluice_signals_total\{outcome="accepted"\} [1-9]/m);

    // The good items of the refused batches were not kept either: sent again on their own, they are
    // new (opened or joined), never "duplicate".
    const resend = [MIXED_BATCH[0], MIXED_BATCH[2], ...MIXED_NDJSON.split("\n").map((line) => JSON.parse(line))];
    const response = await sluice.server.inject({ method: "POST", url: "/api/v1/signals", ...json(resend) });
    assert.equal(response.statusCode, 202, response.body);
    const outcomes = (response.json() as { results: { outcome: string }[] }).results.map((r) => r.outcome);
    assert.equal(outcomes.length, 4);
    assert.ok(!outcomes.includes("duplicate"), `none of them was stored before: ${outcomes.join(", ")}`);
  });

  test("an invalid transition is a 409 with the reason", async () => {
    const incidents = (await sluice.server.inject({ method: "GET", url: "/api/incidents" })).json().items as { key: string }[];
    assert.equal(incidents.length, 1, "the resent signals share one problem");
    const key = incidents[0]?.key as string;
    const resolved = await sluice.server.inject({
      method: "POST",
      url: `/api/incidents/${key}/resolve`,
      ...json({ reason: "fixed" }),
    });
    assert.equal(resolved.statusCode, 200, resolved.body);

    for (const action of ["acknowledge", "resolve", "escalate"]) {
      const response = await sluice.server.inject({ method: "POST", url: `/api/incidents/${key}/${action}`, ...json({}) });
      assert.equal(response.statusCode, 409, `${action} on a resolved incident: ${response.body}`);
      const error = errorOf(response);
      assert.equal(error.code, "INVALID_TRANSITION");
      assert.match(error.message, new RegExp(`${key} is resolved; ${action} applies only to`));
    }
    const reopenOpen = await sluice.server.inject({ method: "POST", url: `/api/incidents/${key}/reopen` });
    assert.equal(reopenOpen.statusCode, 200, "reopen of a resolved incident is allowed");
    const again = await sluice.server.inject({ method: "POST", url: `/api/incidents/${key}/reopen` });
    assert.equal(again.statusCode, 409);
    assert.match(errorOf(again).message, /is open; reopen applies only to resolved/);

    const badBody = await sluice.server.inject({
      method: "POST",
      url: `/api/incidents/${key}/acknowledge`,
      ...json({ reason: 5 }),
    });
    assert.equal(badBody.statusCode, 422);
    assert.deepEqual(
      errorOf(badBody).problems?.map((p) => p.path),
      ["reason"],
    );
  });

  test("a path that exists under other methods answers 405 with Allow", async () => {
    const response = await sluice.server.inject({ method: "DELETE", url: "/api/incidents/INC-9" });
    assert.equal(response.statusCode, 405, response.body);
    assert.equal(response.headers.allow, "GET, HEAD");
    assert.equal(errorOf(response).code, "METHOD_NOT_ALLOWED");
  });

  test("after all that the server is healthy and still takes signals", async () => {
    const health = await sluice.server.inject({ method: "GET", url: "/healthz" });
    assert.equal(health.statusCode, 200);
    assert.deepEqual(health.json(), { status: "ok" });
    const response = await sluice.server.inject({
      method: "POST",
      url: "/api/v1/signals",
      ...json(event("after-all", { service: "payments", message: "card declined by issuer" })),
    });
    assert.equal(response.statusCode, 202, response.body);
    const body = response.json() as { accepted: number; results: { outcome: string }[] };
    assert.equal(body.accepted, 1);
    assert.equal(body.results[0]?.outcome, "opened");
    const metrics = (await sluice.server.inject({ method: "GET", url: "/metrics" })).body;
    assert.match(metrics, /^sluice_signals_total\{outcome="accepted"\} 5$/m, "4 resent + 1");
  });
});

describe("API errors: values that parse but cannot be represented", () => {
  let sluice: Sluice;

  before(async () => {
    sluice = await startSluice();
  });

  after(async () => {
    await sluice.close();
  });

  test("an @timestamp outside the representable date range is refused, and never breaks later reads", {}, async () => {
    const response = await sluice.server.inject({
      method: "POST",
      url: "/api/v1/signals",
      ...json(event("far-future", { "@timestamp": 1e300 })),
    });
    const list = await sluice.server.inject({ method: "GET", url: "/api/incidents" });
    assert.ok(list.statusCode < 500, `GET /api/incidents never a 5xx (got ${list.statusCode}: ${list.body})`);
    assert.equal(response.statusCode, 422, response.body);
    assert.deepEqual(
      errorOf(response).problems?.map((p) => p.path),
      ["@timestamp"],
    );
  });
});

describe("API errors: documents nested thousands of levels deep", () => {
  let sluice: Sluice;

  before(async () => {
    const { config } = parseConfig({ log: { level: "silent" } }, {}, process.cwd(), "test");
    sluice = await createSluice(config, {
      dryRun: true,
      dataDir: ":memory:",
      logger: pino({ level: "silent" }),
      processMetrics: false,
    });
  });

  after(async () => {
    await sluice.close();
  });

  // 10,000 levels of objects overflowed the stack of JSON.stringify (a 500); every JSON route refuses them.
  const deep = `${'{"a":'.repeat(10_000)}1${"}".repeat(10_000)}`;
  const routes: [string, string, string][] = [
    ["/api/v1/signals", "application/json", JSON.stringify(event("deep-objects", { extra: "DEEP" }))],
    ["/api/v1/signals", "application/x-ndjson", JSON.stringify(event("deep-ndjson", { extra: "DEEP" }))],
    [
      "/api/v1/webhooks/alertmanager",
      "application/json",
      JSON.stringify({ version: "4", groupKey: "g", status: "firing", receiver: "s", alerts: [], extra: "DEEP" }),
    ],
    ["/api/v1/changes", "application/json", JSON.stringify({ service: "cart", labels: {}, extra: "DEEP" })],
    ["/v1/traces", "application/json", JSON.stringify({ resourceSpans: [], extra: "DEEP" })],
    ["/v1/logs", "application/json", JSON.stringify({ resourceLogs: [], extra: "DEEP" })],
  ];
  for (const [url, contentType, body] of routes) {
    test(`${url} (${contentType}) answers 422 naming the field`, async () => {
      const response = await sluice.server.inject({
        method: "POST",
        url,
        headers: { "content-type": contentType },
        payload: body.replace('"DEEP"', deep),
      });
      assert.equal(response.statusCode, 422, response.body);
      const error = errorOf(response);
      assert.equal(error.code, "VALIDATION_FAILED");
      assert.match(error.message, /nests deeper than 64 levels/);
      assert.match(error.problems?.[0]?.path ?? "", /^(\[0\]\.)?extra\.a\.a/);
    });
  }
});
