import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Sluice } from "../../main.ts";
import { sha256Hex } from "../../sources/http/auth.ts";
import { inMemorySluice } from "../../testing/in-memory-sluice.ts";
import { signal } from "../../testing/store-contract.ts";

const T0 = Date.parse("2026-11-02T10:00:00Z");
const metric = (text: string, name: string) =>
  Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN);

/** An entry appended to the ingest log and dead-lettered, as the consumer does after `maxAttempts`. */
async function deadLetter(sluice: Sluice, body: string, reason: string, at: number, source = "api"): Promise<number> {
  const { positions, durable } = await sluice.store.ingestLog.append([
    { source, appendedAt: at, signalCount: 1, body, leaseUntil: 0 },
  ]);
  await durable;
  const position = positions[0] as number;
  await sluice.store.ingestLog.claim(at, 100, 1);
  assert.ok(await sluice.store.ingestLog.deadLetter(position, reason, at));
  return position;
}

describe("ingest dead-letter API", () => {
  let sluice: Sluice;
  let setClock: (ms: number) => void;
  before(async () => {
    const made = await inMemorySluice({
      auth: {
        tokens: [
          { name: "dashboard", role: "viewer", sha256: sha256Hex("viewer-token") },
          { name: "oncall", role: "responder", sha256: sha256Hex("responder-token") },
          { name: "root", role: "admin", sha256: sha256Hex("admin-token") },
        ],
      },
    });
    sluice = made.sluice;
    setClock = (ms) => made.clock.set(ms);
  });
  after(() => sluice.close());
  const call = (method: "GET" | "POST", url: string, token?: string, payload?: object) =>
    sluice.server.inject({
      method,
      url,
      ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
      ...(payload ? { payload } : {}),
    });

  it("lists and shows dead letters to viewers, filtered and a page at a time, with their redacted signals", async () => {
    const a = await deadLetter(sluice, JSON.stringify([signal({ service: "cart" })]), "TypeError: boom", T0);
    const b = await deadLetter(
      sluice,
      JSON.stringify([signal()]),
      "failed 10 times; last: database is locked",
      T0 + 1000,
      "kafka",
    );
    const c = await deadLetter(sluice, "not json", "the entry's body is not a JSON array of signals", T0 + 2000);

    assert.equal((await call("GET", "/api/ingest/dead-letters")).statusCode, 401);
    const listed = await call("GET", "/api/ingest/dead-letters?limit=2", "viewer-token");
    assert.equal(listed.statusCode, 200, listed.body);
    const page = listed.json() as { items: { id: number; lastFailedAt: string }[]; nextCursor: string | null };
    assert.deepEqual(
      page.items.map((l) => l.id),
      [c, b],
    );
    assert.equal(page.items[0]?.lastFailedAt, new Date(T0 + 2000).toISOString());
    const next = (await call("GET", `/api/ingest/dead-letters?limit=2&cursor=${page.nextCursor}`, "viewer-token")).json();
    assert.deepEqual(
      next.items.map((l: { id: number }) => l.id),
      [a],
    );
    assert.equal(next.nextCursor, null);
    const ids = async (query: string) =>
      (await call("GET", `/api/ingest/dead-letters?${query}`, "viewer-token")).json().items.map((l: { id: number }) => l.id);
    assert.deepEqual(await ids("source=kafka"), [b]);
    assert.deepEqual(await ids(`since=${encodeURIComponent(new Date(T0 + 1000).toISOString())}`), [c, b]);
    assert.deepEqual(await ids("reason=LOCKED"), [b]);
    assert.deepEqual(await ids("state=retried,discarded"), []);

    const shown = await call("GET", `/api/ingest/dead-letters/${a}`, "viewer-token");
    assert.equal(shown.statusCode, 200, shown.body);
    const letter = shown.json();
    assert.equal(letter.state, "dead");
    assert.equal(letter.reason, "TypeError: boom");
    assert.equal(letter.firstFailedAt, new Date(T0).toISOString());
    assert.equal(letter.attempts, 1);
    assert.equal(letter.signals[0].service, "cart");
    assert.equal(letter.retry, null);
    assert.deepEqual((await call("GET", `/api/ingest/dead-letters/${c}`, "viewer-token")).json().signals, []);
  });

  it("answers 404 for an unknown id and 422 naming a bad filter", async () => {
    for (const id of ["999999", "INC-1", "0", "99999999999999999999"]) {
      const missing = await call("GET", `/api/ingest/dead-letters/${id}`, "viewer-token");
      assert.equal(missing.statusCode, 404, id);
      assert.equal(missing.json().error.message, `no ingest dead letter ${id}`);
    }
    assert.equal((await call("POST", "/api/ingest/dead-letters/999999/retry", "admin-token")).statusCode, 404);
    const bad = await call("GET", "/api/ingest/dead-letters?state=lost&since=yesterday&limit=0", "viewer-token");
    assert.equal(bad.statusCode, 422);
    assert.deepEqual(
      bad
        .json()
        .error.problems.map((p: { path: string }) => p.path)
        .sort(),
      ["query.limit", "query.since", "query.state[0]"],
    );
    const unnamed = await call("POST", "/api/ingest/dead-letters/bulk/retry", "admin-token", { limit: 5 });
    assert.equal(unnamed.statusCode, 422);
    assert.match(unnamed.json().error.problems[0].message, /say which dead letters: one of all, ids, source/);
    const unknownField = await call("POST", "/api/ingest/dead-letters/bulk/discard", "admin-token", { all: true, everything: 1 });
    assert.equal(unknownField.statusCode, 422);
  });

  it("retries one for admins only: the pipeline applies it, and a second retry or a discard is a 409", async () => {
    setClock(T0 + 3_600_000);
    const id = await deadLetter(sluice, JSON.stringify([signal({ service: "ledger" })]), "failed 10 times; last: contended", T0);
    const url = `/api/ingest/dead-letters/${id}/retry`;
    assert.equal((await call("POST", url, "viewer-token")).statusCode, 403);
    assert.equal((await call("POST", url, "responder-token")).statusCode, 403);
    const retried = await call("POST", url, "admin-token");
    assert.equal(retried.statusCode, 200, retried.body);
    assert.deepEqual(retried.json(), { id, state: "retried", signals: 1 });
    await sluice.ingestLog.drain();
    await sluice.runner.flush();
    const incidents = (await call("GET", "/api/incidents?service=ledger", "viewer-token")).json().items;
    assert.equal(incidents.length, 1, "the retried signal opened its incident");

    const shown = (await call("GET", `/api/ingest/dead-letters/${id}`, "viewer-token")).json();
    assert.equal(shown.state, "retried");
    assert.equal(shown.resolvedBy, "api:root");
    assert.equal(shown.resolvedAt, new Date(T0 + 3_600_000).toISOString());
    assert.deepEqual(shown.retry, { pending: false, deadAgain: [] }, "applied");

    const again = await call("POST", url, "admin-token");
    assert.equal(again.statusCode, 409);
    assert.match(again.json().error.message, /was already retried at 2026-11-02T11:00:00.000Z by api:root/);
    assert.equal((await call("POST", `/api/ingest/dead-letters/${id}/discard`, "admin-token")).statusCode, 409);
  });

  it("dead-letters a retry that fails again as a new dead letter naming the first, and never retries it by itself", async () => {
    const id = await deadLetter(sluice, "{unreadable", "the entry's body is not a JSON array of signals", T0 + 5000);
    assert.equal((await call("POST", `/api/ingest/dead-letters/${id}/retry`, "admin-token")).statusCode, 200);
    await sluice.ingestLog.drain();
    await sluice.runner.flush();
    const shown = (await call("GET", `/api/ingest/dead-letters/${id}`, "viewer-token")).json();
    assert.equal(shown.retry.pending, false);
    assert.equal(shown.retry.deadAgain.length, 1);
    const failed = (await call("GET", `/api/ingest/dead-letters/${shown.retry.deadAgain[0]}`, "viewer-token")).json();
    assert.equal(failed.state, "dead", "waiting for an operator again");
    assert.equal(failed.retryOf, id);
    assert.equal(failed.firstFailedAt, new Date(T0 + 5000).toISOString());
    assert.equal(failed.attempts, 2);
    await sluice.ingestLog.drain();
    assert.deepEqual(await sluice.store.ingestLog.backlog(), { entries: 0, signals: 0, oldestAppendedAt: null }, "no loop");
  });

  it("retries and discards a filtered set, counts it, and shows what waits at /metrics", async () => {
    const before = await sluice.store.ingestDeadLetters.backlog();
    const grafana = [0, 1, 2].map((n) => JSON.stringify([signal({ service: `dash-${n}` })]));
    const ids: number[] = [];
    for (const body of grafana)
      ids.push(await deadLetter(sluice, body, "failed 10 times; last: ECONNRESET", T0 + 9000, "grafana"));
    const metrics = (await call("GET", "/metrics")).body;
    assert.equal(metric(metrics, "sluice_ingest_dead_letter_entries"), before.entries + 3);
    assert.ok(metric(metrics, "sluice_ingest_dead_letter_age_seconds") > 0);

    const some = await call("POST", "/api/ingest/dead-letters/bulk/retry", "admin-token", { source: "grafana", limit: 2 });
    assert.equal(some.statusCode, 200, some.body);
    assert.deepEqual(some.json(), { count: 2, signals: 2, ids: [ids[1], ids[2]], more: true });
    const rest = await call("POST", "/api/ingest/dead-letters/bulk/discard", "admin-token", {
      source: "grafana",
      reason: "econnreset",
    });
    assert.deepEqual(rest.json(), { count: 1, signals: 1, ids: [ids[0]], more: false });
    const none = await call("POST", "/api/ingest/dead-letters/bulk/discard", "admin-token", { ids: [ids[0] as number] });
    assert.deepEqual(none.json(), { count: 0, signals: 0, ids: [], more: false }, "a set skips those already acted on");

    const after = (await call("GET", "/metrics")).body;
    assert.equal(metric(after, "sluice_ingest_dead_letter_entries"), before.entries);
    assert.match(after, /sluice_ingest_dead_letters_resolved_total\{action="retried"\} \d+/);
    assert.match(after, /sluice_ingest_dead_letters_resolved_total\{action="discarded"\} 1\b/);
  });

  it("deletes dead letters past storage.retention.deadLetters in the retention pass, and counts it", async () => {
    const waiting = await sluice.store.ingestDeadLetters.list({ states: ["dead", "retried", "discarded"] }, { limit: 500 });
    assert.ok(waiting.items.length > 0);
    // An entry the pipeline has not applied (the consumer is not started here), appended a year before.
    const { positions } = await sluice.store.ingestLog.append([
      { source: "api", appendedAt: T0 - 365 * 24 * 3_600_000, signalCount: 1, body: JSON.stringify([signal()]), leaseUntil: 0 },
    ]);
    const early = await sluice.retention.pass(T0 + 89 * 24 * 3_600_000);
    assert.equal(early.ingestDeadLetters, 0, "kept for 90 days by default");
    // The consumer stamps a retry's new failure with the system clock: the pass runs 91 days after it.
    const late = await sluice.retention.pass(Date.now() + 91 * 24 * 3_600_000);
    assert.equal(late.ingestDeadLetters, waiting.items.length);
    assert.equal(
      await sluice.store.ingestLog.pending(positions[0] as number),
      true,
      "retention never deletes an unapplied entry",
    );
    assert.match(
      (await call("GET", "/metrics")).body,
      new RegExp(`sluice_retention_deleted_total\\{kind="ingestDeadLetters"\\} ${waiting.items.length}`),
    );
  });
});
