import assert from "node:assert/strict";
import { test } from "node:test";
import pino from "pino";
import { parseConfig } from "../src/config/loader.ts";
import type { MemoryConnector } from "../src/connectors/memory/memory-connector.ts";
import { findFactory } from "../src/connectors/registry.ts";
import { signatureProblem } from "../src/connectors/webhook/signature.ts";
import { seededRandom } from "../src/core/seeded-random.ts";
import { createSluice } from "../src/main.ts";
import { maskMessage } from "../src/patterns/mask.ts";
import { startReceiver } from "../src/testing/http-receiver.ts";

// 10,000 anomaly events about 12 problems (4 services x 3 error messages whose request ids, hex
// ids, durations, IPs and counts vary) plus 2,000 events under the score threshold, interleaved and
// posted 100 per request through the HTTP API (Fastify inject), several requests in flight at once.
// Expect exactly 12 incidents, exactly one create per incident on each routed platform (the in-memory
// platform and the generic webhook posting to a real node:http receiver on 127.0.0.1), and the
// funnel counted exactly in /metrics.
//
// Real processes: none besides this one; the webhook receiver is an HTTP server in this process.

const SECRET = "ingest-10k-test-secret-0123456789";
const FIRING = 10_000;
const GATED = 2_000;
const BATCH = 100;
const IN_FLIGHT = 8;

const SERVICES = ["checkout", "payments", "inventory", "search"] as const;
const SEVERITY_OF: Record<(typeof SERVICES)[number], string> = {
  checkout: "critical",
  payments: "high",
  inventory: "medium",
  search: "low",
};

type Rand = () => number;
const int = (rand: Rand, lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
const hex = (rand: Rand, n: number) => {
  // Always at least one digit and one letter, like real hex ids.
  let out = "a1";
  while (out.length < n) out += "0123456789abcdef"[int(rand, 0, 15)];
  return [...out].sort(() => rand() - 0.5).join("");
};
const ip = (rand: Rand) => `10.${int(rand, 0, 255)}.${int(rand, 0, 255)}.${int(rand, 1, 254)}`;
const uuid = (rand: Rand) => `${hex(rand, 8)}-${hex(rand, 4)}-4${hex(rand, 3)}-a${hex(rand, 3)}-${hex(rand, 12)}`;

/** Three error messages per service; each call varies every variable token. */
const MESSAGES: ((rand: Rand) => string)[] = [
  (r) =>
    `upstream timeout after ${int(r, 200, 9000)}ms calling ${ip(r)}:${int(r, 1024, 65535)} request_id=req-${int(r, 1, 999999)}`,
  (r) =>
    `failed to commit transaction ${hex(r, 16)} for order ${int(r, 1000, 99999)}: deadlock detected, retried ${int(r, 1, 5)} times`,
  (r) =>
    `connection pool exhausted: ${int(r, 50, 200)} of ${int(r, 50, 200)} connections busy, waited ${int(r, 1, 30)}s for ${uuid(r)}`,
];

interface Event {
  event_id: string;
  "@timestamp": string;
  anomaly_score: number;
  severity: string;
  service: string;
  message: string;
  trace_id: string;
}

function buildStream(seed: number): { events: Event[]; perProblem: Map<string, number> } {
  const rand = seededRandom(seed);
  const base = Date.now() - 4 * 60_000;
  const events: Event[] = [];
  const perProblem = new Map<string, number>();
  const make = (i: number, gated: boolean): Event => {
    const service = SERVICES[i % SERVICES.length] as (typeof SERVICES)[number];
    const pattern = Math.floor(i / SERVICES.length) % MESSAGES.length;
    if (!gated) perProblem.set(`${service}/${pattern}`, (perProblem.get(`${service}/${pattern}`) ?? 0) + 1);
    return {
      event_id: `${gated ? "low" : "evt"}-${i}-${hex(rand, 8)}`,
      "@timestamp": new Date(base + int(rand, 0, 3 * 60_000)).toISOString(),
      // Gated events sit just under the 0.85 threshold; the others anywhere above it.
      anomaly_score: gated ? 0.5 + rand() * 0.34 : 0.86 + rand() * 0.14,
      // A fixed severity per problem: a raise would add update deliveries and change the counts.
      severity: SEVERITY_OF[service],
      service,
      message: (MESSAGES[pattern] as (r: Rand) => string)(rand),
      trace_id: hex(rand, 32),
    };
  };
  for (let i = 0; i < FIRING; i++) events.push(make(i, false));
  for (let i = 0; i < GATED; i++) events.push(make(i, true));
  // Interleave: Fisher-Yates with the seeded PRNG.
  for (let i = events.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [events[i], events[j]] = [events[j] as Event, events[i] as Event];
  }
  return { events, perProblem };
}

function metric(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test("10,000 anomaly events about 12 problems become 12 incidents and 12 tickets per platform", {
  timeout: 120_000,
}, async (t) => {
  const seed = Number(process.env.SLUICE_TEST_SEED ?? 20_241_123);
  t.diagnostic(`seed ${seed} (set SLUICE_TEST_SEED to replay)`);
  const { events, perProblem } = buildStream(seed);
  assert.equal(events.length, FIRING + GATED);
  // Precondition, so a wrong count below points at the pipeline and not at this test's data.
  const patterns = new Set(events.map((e) => `${e.service}\u0000${maskMessage(e.message)}`));
  assert.equal(patterns.size, 12, `the masker sees 12 patterns in the test data: ${[...patterns].join(" | ")}`);

  const hasWebhook = findFactory("webhook") !== undefined;
  if (!hasWebhook) t.diagnostic("webhook connector not registered: routing to memory only");
  const platforms = hasWebhook ? ["memory", "webhook"] : ["memory"];

  const receiver = await startReceiver({
    verify: (request) => {
      const problem = signatureProblem(
        SECRET,
        {
          signature: request.headers["x-sluice-signature"] as string | undefined,
          timestamp: request.headers["x-sluice-timestamp"] as string | undefined,
        },
        request.body,
        Math.floor(Date.now() / 1000),
      );
      return problem ? [problem] : [];
    },
    answer: (request) => ({
      status: 200,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: `ticket-${request.headers["idempotency-key"]}` }),
    }),
  });
  t.after(() => receiver.close());

  const { config } = parseConfig(
    {
      log: { level: "silent" },
      routing: { critical: platforms, high: platforms, medium: platforms, low: platforms },
      ...(hasWebhook ? { webhook: { enabled: true, url: `${receiver.url}/hooks/sluice`, secret: SECRET } } : {}),
    },
    {},
    process.cwd(),
    "test",
  );
  const sluice = await createSluice(config, { dataDir: ":memory:", logger: pino({ level: "silent" }), processMetrics: false });
  t.after(() => sluice.close());

  // Post 100 per request, IN_FLIGHT requests at a time, so group commit merges requests.
  const started = performance.now();
  const outcomes = new Map<string, number>();
  const incidentOf = new Map<string, string>();
  let next = 0;
  const sender = async () => {
    while (next < events.length) {
      const batch = events.slice(next, next + BATCH);
      next += BATCH;
      const response = await sluice.server.inject({
        method: "POST",
        url: "/api/v1/signals",
        headers: { "content-type": "application/json" },
        payload: JSON.stringify(batch),
      });
      assert.equal(response.statusCode, 202, response.body);
      const body = response.json() as { accepted: number; results: { outcome: string; incident: string | null }[] };
      assert.equal(body.accepted, batch.length);
      body.results.forEach((result, i) => {
        outcomes.set(result.outcome, (outcomes.get(result.outcome) ?? 0) + 1);
        const e = batch[i] as Event;
        if (result.incident) {
          const problem = `${e.service}\u0000${maskMessage(e.message)}`;
          const seen = incidentOf.get(problem);
          assert.ok(seen === undefined || seen === result.incident, `${problem} went to ${seen} and ${result.incident}`);
          incidentOf.set(problem, result.incident);
        }
      });
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, sender));
  await sluice.runner.flush();
  const ingestMs = performance.now() - started;
  await sluice.worker.flush();
  t.diagnostic(
    `ingest ${Math.round(ingestMs)} ms (${Math.round(events.length / (ingestMs / 1000))} signals/s), total ${Math.round(performance.now() - started)} ms`,
  );

  assert.deepEqual(Object.fromEntries([...outcomes].sort()), { deduplicated: FIRING - 12, gated: GATED, opened: 12 });

  // Incidents.
  const list = await sluice.server.inject({ method: "GET", url: "/api/incidents?limit=500" });
  assert.equal(list.statusCode, 200);
  const incidents = list.json().items as { key: string; service: string; signalCount: number; state: string; severity: string }[];
  assert.equal(incidents.length, 12, `incidents: ${incidents.map((i) => i.key).join(", ")}`);
  assert.equal(new Set(incidents.map((i) => i.key)).size, 12);
  assert.equal(
    incidents.reduce((sum, i) => sum + i.signalCount, 0),
    FIRING,
    "every firing event joined an incident",
  );
  assert.deepEqual(
    incidents.map((i) => i.signalCount).sort((a, b) => a - b),
    [...perProblem.values()].sort((a, b) => a - b),
    "per-incident signal counts match what was sent per problem",
  );
  for (const incident of incidents) {
    assert.equal(incident.state, "open");
    assert.equal(incident.severity, SEVERITY_OF[incident.service as (typeof SERVICES)[number]]);
  }

  // Deliveries: one create per incident per platform, nothing else, nothing left over.
  const memory = sluice.connectors.get("memory") as MemoryConnector;
  const memoryCreates = memory.received.filter((r) => r.action === "create");
  assert.equal(memoryCreates.length, 12, "12 creates on the memory platform");
  assert.equal(new Set(memoryCreates.map((r) => r.incidentKey)).size, 12);
  assert.equal(memory.received.length, 12, "and no other deliveries");
  if (hasWebhook) {
    assert.deepEqual(receiver.violations(), [], "every webhook request is correctly signed");
    const creates = receiver.requests.filter((r) => (JSON.parse(r.body) as { event: string }).event === "create");
    assert.equal(creates.length, 12, "12 creates on the webhook receiver");
    assert.equal(new Set(creates.map((r) => r.headers["idempotency-key"])).size, 12, "one idempotency key per incident");
    assert.equal(receiver.requests.length, 12, "and no other requests");
  }
  const pending = await sluice.server.inject({ method: "GET", url: "/api/deliveries?status=pending" });
  assert.deepEqual(pending.json().items, []);
  const dead = await sluice.server.inject({ method: "GET", url: "/api/deliveries?status=dead" });
  assert.deepEqual(dead.json().items, []);
  for (const incident of incidents) {
    const detail = (await sluice.server.inject({ method: "GET", url: `/api/incidents/${incident.key}` })).json() as {
      tickets: { platform: string }[];
    };
    assert.deepEqual(detail.tickets.map((ticket) => ticket.platform).sort(), [...platforms].sort(), `${incident.key} tickets`);
  }

  // Metrics.
  const text = (await sluice.server.inject({ method: "GET", url: "/metrics" })).body;
  const expected: [string, number][] = [
    ['sluice_signals_total{outcome="accepted"}', FIRING + GATED],
    ['sluice_signals_total{outcome="gated"}', GATED],
    ['sluice_signals_total{outcome="opened"}', 12],
    ['sluice_signals_total{outcome="deduplicated"}', FIRING - 12],
    ["sluice_incidents_opened_total", 12],
    ['sluice_deliveries_total{platform="memory",outcome="delivered"}', 12],
    ["sluice_dead_letters", 0],
  ];
  if (hasWebhook) expected.push(['sluice_deliveries_total{platform="webhook",outcome="delivered"}', 12]);
  for (const [series, value] of expected) assert.equal(metric(text, series), value, series);
  for (const outcome of ["duplicate", "suppressed", "rejected", "shed", "resolved", "unmatched"]) {
    assert.ok((metric(text, `sluice_signals_total{outcome="${outcome}"}`) ?? 0) === 0, `no ${outcome} signals`);
  }
  assert.equal(metric(text, 'sluice_deliveries_total{platform="memory",outcome="retry"}') ?? 0, 0);
  assert.equal(metric(text, "sluice_noise_reduction_ratio"), 1 - 12 / (FIRING + GATED));
});
