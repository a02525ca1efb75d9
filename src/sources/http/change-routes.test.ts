import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { InjectOptions } from "fastify";
import pino from "pino";
import { parseConfig } from "../../config/loader.ts";
import { createSluice, type Sluice } from "../../main.ts";

// POST /api/v1/changes through the real server (createSluice, Fastify inject, throwaway SQLite):
// formats, errors, idempotency, the incident's context and timeline, deploy-aware suppression, metrics.

const INGEST_TOKEN = "deploy-bot-token";
const VIEWER_TOKEN = "viewer-token";
const sha = (text: string) => createHash("sha256").update(text).digest("hex");

async function startSluice(extra: Record<string, unknown> = {}): Promise<Sluice> {
  const { config } = parseConfig(
    {
      log: { level: "silent" },
      auth: {
        tokens: [{ name: "viewer", role: "viewer", sha256: sha(VIEWER_TOKEN) }],
        ingestTokens: [
          { name: "deploys", sources: ["changes"], sha256: sha(INGEST_TOKEN) },
          { name: "alerts", sources: ["api"], sha256: sha("alerts-token") },
        ],
      },
      ...extra,
    },
    {},
    process.cwd(),
    "test",
  );
  return createSluice(config, { dryRun: true, dataDir: ":memory:", logger: pino({ level: "silent" }), processMetrics: false });
}

const post = (url: string, payload: unknown, token = INGEST_TOKEN): InjectOptions => ({
  method: "POST",
  url,
  headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
  payload: JSON.stringify(payload),
});
const get = (url: string): InjectOptions => ({ method: "GET", url, headers: { authorization: `Bearer ${VIEWER_TOKEN}` } });

interface Result {
  id: string | null;
  outcome: string;
  reason: string | null;
}

describe("POST /api/v1/changes", () => {
  let sluice: Sluice;
  before(async () => {
    sluice = await startSluice();
  });
  after(() => sluice.close());

  test("stores a deploy once: a re-send is a duplicate, and the list shows it once", async () => {
    const deploy = { id: "argo-1001", source: "argo", service: "cart", version: "v3.1.0", summary: "rollout v3.1.0" };
    const first = await sluice.server.inject(post("/api/v1/changes", deploy));
    assert.equal(first.statusCode, 202, first.body);
    const [stored] = first.json().results as Result[];
    assert.equal(stored?.outcome, "stored");
    assert.ok(stored?.id);
    const again = await sluice.server.inject(post("/api/v1/changes", deploy));
    assert.equal(again.statusCode, 202);
    assert.equal((again.json().results as Result[])[0]?.outcome, "duplicate");
    const list = await sluice.server.inject(get("/api/v1/changes?service=cart"));
    assert.equal(list.statusCode, 200, list.body);
    const items = list.json().items as { id: string; version: string }[];
    assert.deepEqual(
      items.map((c) => [c.id, c.version]),
      [[stored?.id, "v3.1.0"]],
    );
  });

  test("takes arrays of mixed formats and NDJSON", async () => {
    const batch = [
      { service: "cart", kind: "config", summary: "pool 20 → 40", id: "cfg-1" },
      { routing_key: "abc", payload: { summary: "Deploy 99", source: "cart", timestamp: new Date().toISOString() } },
    ];
    const response = await sluice.server.inject(post("/api/v1/changes", batch));
    assert.equal(response.statusCode, 202, response.body);
    assert.deepEqual(
      (response.json().results as Result[]).map((r) => r.outcome),
      ["stored", "stored"],
    );
    const ndjson = await sluice.server.inject({
      method: "POST",
      url: "/api/v1/changes",
      headers: { "content-type": "application/x-ndjson", authorization: `Bearer ${INGEST_TOKEN}` },
      payload: `${JSON.stringify({ service: "cart", id: "nd-1" })}\n\n${JSON.stringify({ service: "cart", id: "nd-2" })}\n`,
    });
    assert.equal(ndjson.statusCode, 202, ndjson.body);
    assert.equal(ndjson.json().accepted, 2);
  });

  test("bad input gets a 4xx naming the field, and nothing of the request is stored", async () => {
    const before = (await sluice.store.changes.find({ from: 0, to: Number.MAX_SAFE_INTEGER, limit: 1000 })).length;
    const invalid = await sluice.server.inject(
      post("/api/v1/changes", [
        { service: "cart", id: "never" },
        { routing_key: "k", payload: { summary: "s" } },
      ]),
    );
    assert.equal(invalid.statusCode, 422, invalid.body);
    const error = invalid.json().error as { code: string; problems: { path: string }[] };
    assert.equal(error.code, "VALIDATION_FAILED");
    assert.deepEqual(
      error.problems.map((p) => p.path),
      ["[1].payload.source"],
    );
    const malformed = await sluice.server.inject({ ...post("/api/v1/changes", {}), payload: "{not json" });
    assert.equal(malformed.statusCode, 400);
    const text = await sluice.server.inject({
      method: "POST",
      url: "/api/v1/changes",
      headers: { "content-type": "text/plain", authorization: `Bearer ${INGEST_TOKEN}` },
      payload: "deploy",
    });
    assert.equal(text.statusCode, 415);
    const empty = await sluice.server.inject(post("/api/v1/changes", []));
    assert.equal(empty.statusCode, 422);
    const tooMany = await sluice.server.inject(
      post(
        "/api/v1/changes",
        Array.from({ length: 10_001 }, () => ({ service: "x" })),
      ),
    );
    assert.equal(tooMany.statusCode, 413);
    const badQuery = await sluice.server.inject(get("/api/v1/changes?kind=rollout"));
    assert.equal(badQuery.statusCode, 422);
    assert.equal((badQuery.json().error.problems as { path: string }[])[0]?.path, "query.kind[0]");
    const after = (await sluice.store.changes.find({ from: 0, to: Number.MAX_SAFE_INTEGER, limit: 1000 })).length;
    assert.equal(after, before);
  });

  test("needs an ingest token allowed to send changes", async () => {
    const anonymous = await sluice.server.inject({
      ...post("/api/v1/changes", { service: "cart" }),
      headers: { "content-type": "application/json" },
    });
    assert.equal(anonymous.statusCode, 401);
    const alertsOnly = await sluice.server.inject(post("/api/v1/changes", { service: "cart" }, "alerts-token"));
    assert.equal(alertsOnly.statusCode, 403);
  });

  test("a deploy shows in the context of the incident that follows, and later changes on its timeline", async () => {
    const deployedAt = new Date(Date.now() - 20 * 60_000).toISOString();
    const deploy = await sluice.server.inject(
      post("/api/v1/changes", {
        id: "gh-run-5",
        service: "checkout",
        version: "v1.2.3",
        at: deployedAt,
        author: "jane",
        summary: "deploy with token=sk_live_abcdefghijklmnop1234",
      }),
    );
    assert.equal(deploy.statusCode, 202, deploy.body);
    const signal = await sluice.server.inject(
      post("/api/v1/signals", { service: "checkout", title: "5xx rate above 5%", severity: "high" }, "alerts-token"),
    );
    assert.equal(signal.statusCode, 202, signal.body);
    const key = (signal.json().results as { incident: string }[])[0]?.incident;
    assert.ok(key, signal.body);

    const incident = await sluice.server.inject(get(`/api/incidents/${key}`));
    assert.equal(incident.statusCode, 200);
    const context = incident.json().context as { changes?: Record<string, unknown>[] };
    assert.equal(context.changes?.length, 1, incident.body);
    const [change] = context.changes ?? [];
    assert.equal(change?.service, "checkout");
    assert.equal(change?.version, "v1.2.3");
    assert.equal(change?.relation, "service");
    assert.equal(change?.at, Date.parse(deployedAt));
    assert.ok(!incident.body.includes("sk_live_abcdefghijklmnop1234"), "secrets in a change are masked before storage");

    const config = await sluice.server.inject(
      post("/api/v1/changes", { id: "flag-7", service: "checkout", kind: "feature-flag", summary: "new-checkout off" }),
    );
    assert.equal(config.statusCode, 202);
    const timeline = await sluice.server.inject(get(`/api/incidents/${key}/timeline`));
    const notes = (timeline.json().items as { action: string; detail: string }[]).filter((e) => e.action === "change");
    assert.equal(notes.length, 1, timeline.body);
    assert.match(notes[0]?.detail ?? "", /^feature-flag of checkout while this incident was open .*: new-checkout off$/);
  });

  test("counts changes by source, format and outcome at /metrics", async () => {
    const metrics = await sluice.server.inject({ method: "GET", url: "/metrics" });
    assert.match(metrics.body, /sluice_changes_total\{source="api",format="sluice",outcome="stored"\} \d+/);
    assert.match(metrics.body, /sluice_changes_total\{source="api",format="sluice",outcome="duplicate"\} 1/);
    assert.match(metrics.body, /sluice_changes_total\{source="api",format="pagerduty",outcome="stored"\} 1/);
    assert.match(metrics.body, /sluice_changes_total\{source="api",format="unknown",outcome="rejected"\} \d+/);
  });
});

describe("deploy-aware suppression (changes.suppressAfterDeploy)", () => {
  let sluice: Sluice;
  before(async () => {
    sluice = await startSluice({ changes: { suppressAfterDeploy: { window: "10m", match: { environment: "production" } } } });
  });
  after(() => sluice.close());

  test("firing signals soon after a deploy of their service are suppressed and kept; others open incidents", async () => {
    const deployedAt = Date.now() - 2 * 60_000;
    const deploy = await sluice.server.inject(
      post("/api/v1/changes", { id: "d-1", service: "checkout", version: "v9", at: new Date(deployedAt).toISOString() }),
    );
    assert.equal(deploy.statusCode, 202);
    const storedId = (deploy.json().results as Result[])[0]?.id;
    const signals = await sluice.server.inject(
      post(
        "/api/v1/signals",
        [
          { sourceId: "s-1", service: "checkout", title: "5xx up", severity: "high" },
          { sourceId: "s-2", service: "payments", title: "5xx up", severity: "high" },
          {
            sourceId: "s-3",
            service: "checkout",
            title: "latency up",
            severity: "high",
            occurredAt: new Date(deployedAt + 15 * 60_000).toISOString(),
          },
        ],
        "alerts-token",
      ),
    );
    assert.equal(signals.statusCode, 202, signals.body);
    const results = signals.json().results as Result[];
    assert.equal(results[0]?.outcome, "suppressed");
    assert.match(results[0]?.reason ?? "", new RegExp(`deploy v9 of checkout \\(change ${storedId}`));
    assert.equal(results[1]?.outcome, "opened", "another service is not suppressed");
    assert.equal(results[2]?.outcome, "opened", "after the window the service alerts again");
  });
});
