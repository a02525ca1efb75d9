import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ManualClock } from "../../../core/clock.ts";
import type { IncidentContext } from "../../../core/enrichment.ts";
import { newId } from "../../../core/ids.ts";
import { emptyChangeSet, type NewIncident, type Store } from "../../../core/ports/store.ts";
import { sha256Hex } from "../../../sources/http/auth.ts";
import { SqliteStore } from "../../../store/sqlite/sqlite-store.ts";
import { anomalyEvent, inMemorySluice } from "../../../testing/in-memory-sluice.ts";
import { SimilarIncidents, similarProvider } from "./similar-incidents.ts";

const T0 = Date.parse("2026-11-02T10:00:00Z");
const MIN = 60_000;
const OPTIONS = { maxResults: 3, lookback: 90 * 24 * 60 * MIN, candidates: 500, minScore: 0.35 };

const POOL = "Unable to acquire JDBC Connection after 30000ms";
const OOM = "java.lang.OutOfMemoryError: Java heap space while merging segments";

describe("similar past incidents, end to end", async () => {
  const { sluice, clock } = await inMemorySluice({
    auth: {
      tokens: [
        { name: "dashboard", role: "viewer", sha256: sha256Hex("viewer-token") },
        { name: "oncall", role: "responder", sha256: sha256Hex("responder-token") },
      ],
      ingestTokens: [{ name: "scorer", sources: ["*"], sha256: sha256Hex("scorer-token") }],
    },
  });
  after(() => sluice.close());
  const call = async (method: "GET" | "POST", url: string, token?: string, payload?: object) =>
    sluice.server.inject({
      method,
      url,
      ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
      ...(payload ? { payload } : {}),
    });
  const ingest = async (service: string, message: string) => {
    const response = await call(
      "POST",
      "/api/v1/signals",
      "scorer-token",
      anomalyEvent({ service, error_message: message, "@timestamp": new Date(clock.now()).toISOString() }),
    );
    assert.equal(response.statusCode, 202, response.body);
  };
  const incident = async (key: string) => (await call("GET", `/api/incidents/${key}`, "viewer-token")).json();

  // Two past problems, resolved by a person with notes; then the first one comes back.
  await ingest("payments-api", POOL);
  await ingest("search-indexer", OOM);
  const [pool, oom] = ((await call("GET", "/api/incidents", "viewer-token")).json().items as { key: string }[])
    .map((i) => i.key)
    .reverse();
  assert.ok(pool && oom);
  clock.advance(5 * MIN);
  await call("POST", `/api/incidents/${pool}/notes`, "responder-token", {
    text: "HikariCP pool maxed at 20; raised maximumPoolSize to 50. Ask dba@example.com",
  });
  clock.advance(37 * MIN);
  assert.equal(
    (await call("POST", `/api/incidents/${pool}/resolve`, "responder-token", { reason: "rolled back 4.12.1" })).statusCode,
    200,
  );
  assert.equal((await call("POST", `/api/incidents/${oom}/resolve`, "responder-token")).statusCode, 200);
  clock.advance(3 * 60 * MIN);
  await ingest("payments-api", POOL.replace("30000", "30002"));
  const again = ((await call("GET", "/api/incidents?state=open", "viewer-token")).json().items as { key: string }[])[0]?.key;
  assert.ok(again && again !== pool, "the problem came back as a new incident");

  it("attaches the earlier occurrence, and how it was resolved, to the new incident's context", async () => {
    const context = (await incident(again)).context as IncidentContext;
    assert.deepEqual(context.degraded ?? [], []);
    assert.equal(context.similar?.length, 1, JSON.stringify(context.similar));
    const [match] = context.similar ?? [];
    assert.equal(match?.key, pool);
    assert.equal(match?.service, "payments-api");
    assert.equal(match?.resolvedAt, T0 + 42 * MIN);
    assert.ok((match?.score ?? 0) > 1.5, "same pattern, service and environment, and the same words");
    assert.equal(
      match?.resolution,
      'Resolved by oncall via the API after 42 min: "rolled back 4.12.1". Last note: oncall: "HikariCP pool maxed at 20; raised maximumPoolSize to 50. Ask [REDACTED:email]".',
    );
  });

  it("serves the same list to people at GET /api/incidents/:id/similar, with why each matched", async () => {
    const response = await call("GET", `/api/incidents/${again}/similar`, "viewer-token");
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    assert.equal(body.incident, again);
    assert.equal(body.items.length, 1);
    assert.equal(body.items[0].key, pool);
    assert.equal(body.items[0].resolvedAt, new Date(T0 + 42 * MIN).toISOString());
    assert.deepEqual(body.items[0].match, {
      text: body.items[0].match.text,
      samePattern: true,
      sameService: true,
      sameEnvironment: true,
    });
    assert.ok(body.items[0].match.text > 0.8);
    // A lower bar lets people look further: the unrelated incident shows up, ranked below.
    const wide = (await call("GET", `/api/incidents/${again}/similar?minScore=0&limit=5`, "viewer-token")).json();
    assert.deepEqual(
      wide.items.map((i: { key: string }) => i.key),
      [pool, oom],
    );
  });

  it("never lists the incident itself or open incidents", async () => {
    // The resolved pool incident: the open one like it is not a past incident, and itself is excluded.
    const items = (await call("GET", `/api/incidents/${pool}/similar?minScore=0&limit=20`, "viewer-token")).json().items;
    assert.deepEqual(
      items.map((i: { key: string }) => i.key),
      [oom],
    );
  });

  it("answers 401 without a token, 404 for an unknown incident and 422 naming a bad query field", async () => {
    assert.equal((await call("GET", `/api/incidents/${again}/similar`)).statusCode, 401);
    const missing = await call("GET", "/api/incidents/INC-999/similar", "viewer-token");
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, "NOT_FOUND");
    for (const query of ["limit=0", "limit=21", "minScore=-1", "minScore=abc", "bogus=1"]) {
      const bad = await call("GET", `/api/incidents/${again}/similar?${query}`, "viewer-token");
      assert.equal(bad.statusCode, 422, query);
      const field = query.split("=")[0];
      assert.deepEqual(
        bad.json().error.problems.map((p: { path: string }) => p.path),
        [field === "bogus" ? "query" : `query.${field}`],
        query,
      );
    }
  });
});

describe("similar-incident lookups from the store", () => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-similar-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const clock = new ManualClock(T0 + 10 * 24 * 60 * MIN);

  function resolvedIncident(fields: Partial<NewIncident>): NewIncident {
    return {
      id: newId(),
      fingerprint: `fp-${newId()}`,
      kind: "anomaly",
      title: "Error rate anomaly in payments: Unable to acquire JDBC Connection after 30000ms",
      tenant: "acme",
      service: "payments",
      environment: "production",
      errorPattern: "Unable to acquire JDBC Connection after <num>ms",
      patternId: null,
      severity: "high",
      priority: "P2",
      state: "resolved",
      firstSeenAt: T0,
      lastSeenAt: T0,
      signalCount: 1,
      escalationLevel: 0,
      platforms: [],
      matchedRule: "severity:high",
      summary: "anomaly on payments in production (score 0.95): Unable to acquire JDBC Connection after 30000ms",
      context: {},
      createdAt: T0,
      updatedAt: T0,
      acknowledgedAt: null,
      resolvedAt: T0 + 20 * MIN,
      ...fields,
    };
  }

  const target = {
    incidentId: null,
    tenant: "acme",
    service: "payments",
    environment: "production",
    errorPattern: "Unable to acquire JDBC Connection after <num>ms",
    title: "Error rate anomaly in payments: Unable to acquire JDBC Connection after 30001ms",
    summary: "anomaly on payments in production (score 0.96): Unable to acquire JDBC Connection after 30001ms",
  };

  async function seed(store: Store) {
    const recent = resolvedIncident({ resolvedAt: T0 + 9 * 24 * 60 * MIN });
    const older = resolvedIncident({ resolvedAt: T0 + 2 * 24 * 60 * MIN });
    const expired = resolvedIncident({ resolvedAt: T0 - 100 * 24 * 60 * MIN, firstSeenAt: T0 - 101 * 24 * 60 * MIN });
    const open = resolvedIncident({ state: "open", resolvedAt: null });
    const otherTenant = resolvedIncident({ tenant: "globex" });
    const changes = emptyChangeSet();
    changes.newIncidents.push(recent, older, expired, open, otherTenant);
    changes.timeline.push(
      { incidentId: recent.id, at: T0, actor: "slack:carol", action: "note", detail: "pool leak in refund handler", rule: null },
      {
        incidentId: recent.id,
        at: T0 + MIN,
        actor: "sluice:auto-resolve",
        action: "resolved",
        detail: "no signal for 30 min, confirmed over two checks (quiet period)",
        rule: null,
      },
    );
    await store.apply(changes);
    return { recent, older };
  }

  it("ranks only resolved incidents of the tenant within the lookback, and reads the same after a restart", async () => {
    const first = await SqliteStore.open({ dataDir: dir, synchronous: "full" });
    let ids: { recent: NewIncident; older: NewIncident };
    let before: Awaited<ReturnType<SimilarIncidents["find"]>>;
    try {
      ids = await seed(first);
      before = await new SimilarIncidents(first.similar, OPTIONS, { clock }).find(target);
    } finally {
      await first.close();
    }
    assert.deepEqual(
      before.map((m) => m.incidentId),
      [ids.recent.id, ids.older.id],
      "equal scores: the most recently resolved first",
    );
    assert.equal(
      before[0]?.resolution,
      'Auto-resolved by Sluice after 9 d (quiet period: no signal for 30 min). Last note: carol (slack): "pool leak in refund handler".',
    );
    // A new process (or another replica) keeps nothing from the first: the store alone answers.
    const second = await SqliteStore.open({ dataDir: dir, synchronous: "full" });
    try {
      const after = await new SimilarIncidents(second.similar, OPTIONS, { clock }).find(target);
      assert.deepEqual(after, before);
      const shorter = await new SimilarIncidents(second.similar, { ...OPTIONS, lookback: 7 * 24 * 60 * MIN }, { clock }).find(
        target,
      );
      assert.deepEqual(
        shorter.map((m) => m.incidentId),
        [ids.recent.id],
        "the lookback counts back from now",
      );
      const one = await new SimilarIncidents(second.similar, { ...OPTIONS, maxResults: 1 }, { clock }).find(target);
      assert.equal(one.length, 1);
    } finally {
      await second.close();
    }
  });

  it("is the `similar` enrichment step: the SimilarIncident fields only, excluding the new incident, redacted", async () => {
    const store = await SqliteStore.open({ dataDir: ":memory:", synchronous: "full" });
    try {
      const { recent } = await seed(store);
      const provider = similarProvider(
        new SimilarIncidents(store.similar, OPTIONS, { clock, redact: (text) => text.replace(/refund/g, "[REDACTED]") }),
      );
      assert.equal(provider.name, "similar");
      const context = await provider.enrich({
        ...target,
        incidentId: recent.id,
        firstSeenAt: clock.now(),
        now: clock.now(),
        signal: { message: "Unable to acquire JDBC Connection after 30001ms" } as never,
      });
      assert.equal(context.similar?.length, 1, "the incident itself is never its own match");
      const [match] = context.similar ?? [];
      assert.deepEqual(Object.keys(match ?? {}).sort(), ["key", "resolution", "resolvedAt", "score", "service", "title"]);
      assert.match(match?.resolution ?? "", /Resolved after 2 d/);
      const nothing = await provider.enrich({
        ...target,
        service: "media",
        errorPattern: "ffmpeg exited: invalid data",
        title: "ffmpeg exited: invalid data found when processing input",
        summary: "",
        incidentId: newId(),
        firstSeenAt: clock.now(),
        now: clock.now(),
        signal: { message: "" } as never,
      });
      assert.deepEqual(nothing, { similar: [] }, "an unrelated incident gets an empty list, not noise");
      const redacted = await provider.enrich({
        ...target,
        incidentId: newId(),
        firstSeenAt: clock.now(),
        now: clock.now(),
        signal: { message: "" } as never,
      });
      assert.match(redacted.similar?.[0]?.resolution ?? "", /pool leak in \[REDACTED\] handler/);
    } finally {
      await store.close();
    }
  });
});

describe("similar.enabled: false", async () => {
  const { sluice } = await inMemorySluice({ similar: { enabled: false } });
  after(() => sluice.close());

  it("leaves similar incidents out of new incidents, and still answers people who ask", async () => {
    const response = await sluice.server.inject({ method: "POST", url: "/api/v1/signals", payload: anomalyEvent() });
    assert.equal(response.statusCode, 202);
    const incident = (await sluice.server.inject({ url: "/api/incidents/INC-1" })).json();
    assert.equal("similar" in incident.context, false);
    const asked = await sluice.server.inject({ url: "/api/incidents/INC-1/similar" });
    assert.equal(asked.statusCode, 200);
    assert.deepEqual(asked.json().items, []);
  });
});
