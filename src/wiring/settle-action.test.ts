// Issue 17, patterns.settleAction: what happens at the end of the settle window to a held incident whose error
// pattern did not merge (two names in a place are not enough for the miner). group (the default) joins it to the
// open incident it is a near sibling of, without paging; page (the behaviour before) pages it as its own. A held
// incident whose open sibling resolved meanwhile pages either way.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { MemoryConnector } from "../connectors/memory/memory-connector.ts";
import { inMemorySluice, sluiceReplica } from "../testing/in-memory-sluice.ts";
import { signal } from "../testing/store-contract.ts";

const T0 = Date.parse("2026-11-02T10:00:00Z");
const WINDOW = 300_000;

/** One signal of the scorer's, mined (no pattern of its own), at the given time. */
function mined(service: string, message: string, at: number) {
  return signal({ source: "app", service, score: 0.95, receivedAt: at, occurredAt: at, message, title: "", errorPattern: "" });
}

const creates = (memory: MemoryConnector) => memory.received.filter((d) => d.action === "create").map((d) => d.incidentKey);

/** Opens "role mlopez" (pages), then its near sibling "role kchen" (held), with `more` further kchen signals in the window. */
async function openPair(settleAction?: "group" | "page", more = 0) {
  const made = await inMemorySluice(settleAction ? { patterns: { settleAction } } : {}, T0);
  const { sluice, clock } = made;
  const [first] = await sluice.runner.submit([mined("billing-api", "permission denied for role mlopez on schema ledger", T0)]);
  await sluice.worker.flush();
  clock.advance(10_000);
  const heldAt = clock.now();
  const [held] = await sluice.runner.submit([mined("billing-api", "permission denied for role kchen on schema ledger", heldAt)]);
  assert.equal(held?.outcome, "opened");
  for (let i = 0; i < more; i++) {
    clock.advance(30_000);
    const [again] = await sluice.runner.submit([
      mined("billing-api", "permission denied for role kchen on schema ledger", clock.now()),
    ]);
    assert.equal(again?.incident, held?.incident, "the held incident takes its own pattern's signals");
  }
  await sluice.worker.flush();
  return { ...made, firstKey: first?.incident as string, heldKey: held?.incident as string, heldAt };
}

async function incident(sluice: Awaited<ReturnType<typeof inMemorySluice>>["sluice"], key: string) {
  const found = await sluice.store.incidents.get(key);
  assert.ok(found, key);
  return found;
}

describe("settle window, settleAction group (default): a held variant that did not merge joins the open incident", () => {
  it("pages nobody at the window's end; the open incident's ticket is told once, with the variant's message; no signal is lost", async () => {
    const { sluice, clock, memory, firstKey, heldKey, heldAt } = await openPair(undefined, 2);
    try {
      assert.deepEqual(creates(memory), [firstKey], "the variant is held");
      clock.set(heldAt + WINDOW);
      await sluice.worker.flush();
      assert.deepEqual(creates(memory), [firstKey], "no second page at the end of the window");
      const held = await incident(sluice, heldKey);
      const first = await incident(sluice, firstKey);
      assert.equal(held.state, "resolved");
      assert.notEqual(first.state, "resolved");
      // The miner's patterns stay apart: only the incidents are grouped.
      assert.notEqual(held.patternId, first.patternId);
      const heldTimeline = await sluice.store.incidents.timeline(held.id);
      const resolved = heldTimeline.find((e) => e.action === "resolved");
      assert.match(resolved?.detail ?? "", new RegExp(`^merged into ${firstKey}: same message but for a word`));
      assert.match(resolved?.detail ?? "", new RegExp(`while ${firstKey} was open`));
      const firstTimeline = await sluice.store.incidents.timeline(first.id);
      const joined = firstTimeline.filter((e) => e.detail.startsWith(`${heldKey} (billing-api) was merged into this incident`));
      assert.equal(joined.length, 1, "the open incident's timeline says who joined, once");
      const told = memory.received.filter((d) => d.incidentKey === firstKey && d.action === "comment");
      assert.equal(told.length, 1, "the open incident's ticket is told once");
      assert.match(told[0]?.detail ?? "", /kchen/, "with the variant's message");
      assert.deepEqual(
        memory.received.filter((d) => d.incidentKey === heldKey).map((d) => d.action),
        [],
        "nothing is ever sent for the grouped incident",
      );
      // Its three signals stay stored on it, and it names the incident it joined.
      assert.equal((await sluice.store.incidents.signals(held.id, 100)).length, 3);
      // Later: nothing more goes out.
      clock.advance(WINDOW);
      await sluice.worker.flush();
      assert.deepEqual(creates(memory), [firstKey]);
    } finally {
      await sluice.close();
    }
  });

  it("a later signal of the grouped variant joins the open incident: it neither reopens the grouped one nor opens another", async () => {
    const { sluice, clock, memory, firstKey, heldKey, heldAt } = await openPair();
    try {
      clock.set(heldAt + WINDOW);
      await sluice.worker.flush();
      assert.equal((await incident(sluice, heldKey)).state, "resolved", "grouped");
      clock.advance(30_000);
      const [later] = await sluice.runner.submit([
        mined("billing-api", "permission denied for role kchen on schema ledger", clock.now()),
      ]);
      assert.equal(later?.incident, firstKey, `joined ${firstKey}, not ${later?.outcome} ${later?.incident}`);
      clock.advance(WINDOW);
      await sluice.worker.flush();
      assert.deepEqual(creates(memory), [firstKey], "still one page");
      assert.equal((await incident(sluice, heldKey)).state, "resolved", "the grouped incident stays resolved");
      assert.equal(memory.received.filter((d) => d.incidentKey === firstKey && d.action === "comment").length, 1, "told once");
      const dead = (await sluice.store.deliveries.list({ status: "dead", limit: 100 })).length;
      assert.equal(dead, 0, "no delivery gave up");
    } finally {
      await sluice.close();
    }
  });

  it("pages the held variant as its own when the open incident resolved during the window", async () => {
    const { sluice, clock, memory, firstKey, heldKey, heldAt } = await openPair();
    try {
      clock.advance(60_000);
      await sluice.lifecycle.apply(firstKey, "resolve", { actor: "api:oncall", reason: "fixed the grant" });
      await sluice.worker.flush();
      clock.set(heldAt + WINDOW);
      await sluice.worker.flush();
      assert.deepEqual(creates(memory), [firstKey, heldKey], "the variant pages at the end of its window");
      assert.notEqual((await incident(sluice, heldKey)).state, "resolved");
    } finally {
      await sluice.close();
    }
  });

  it("pages a near sibling that arrives after the open incident resolved at once (nothing to group with)", async () => {
    const { sluice, clock, memory } = await inMemorySluice({}, T0);
    try {
      const [first] = await sluice.runner.submit([
        mined("billing-api", "permission denied for role mlopez on schema ledger", T0),
      ]);
      await sluice.worker.flush();
      clock.advance(60_000);
      await sluice.lifecycle.apply(first?.incident as string, "resolve", { actor: "api:oncall", reason: "fixed" });
      clock.advance(10_000);
      const [next] = await sluice.runner.submit([
        mined("billing-api", "permission denied for role kchen on schema ledger", clock.now()),
      ]);
      await sluice.worker.flush();
      assert.deepEqual(creates(memory), [first?.incident, next?.incident], "pages at once, not held");
    } finally {
      await sluice.close();
    }
  });

  it("keeps a near sibling of another service apart: it pages at once", async () => {
    const { sluice, clock, memory } = await inMemorySluice({}, T0);
    try {
      const [first] = await sluice.runner.submit([
        mined("billing-api", "permission denied for role mlopez on schema ledger", T0),
      ]);
      clock.advance(10_000);
      const [other] = await sluice.runner.submit([
        mined("ledger-api", "permission denied for role kchen on schema ledger", clock.now()),
      ]);
      await sluice.worker.flush();
      clock.advance(WINDOW);
      await sluice.worker.flush();
      assert.deepEqual(creates(memory), [first?.incident, other?.incident]);
    } finally {
      await sluice.close();
    }
  });
});

describe("settle window, settleAction group, two replicas on one database", () => {
  it("both workers at the window's end: the variant is grouped once, pages nobody, and the open ticket is told once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-settle-group-"));
    const replica = () => sluiceReplica(dir, T0);
    const a = await replica();
    const b = await replica();
    try {
      const advance = (ms: number) => {
        a.clock.advance(ms);
        b.clock.advance(ms);
      };
      const [first] = await a.sluice.runner.submit([
        mined("billing-api", "permission denied for role mlopez on schema ledger", T0),
      ]);
      await a.sluice.worker.flush();
      advance(10_000);
      const [held] = await b.sluice.runner.submit([
        mined("billing-api", "permission denied for role kchen on schema ledger", b.clock.now()),
      ]);
      assert.equal(held?.outcome, "opened");
      // Past a pattern refresh and the window: both workers look at once.
      advance(WINDOW);
      await Promise.all([a.sluice.worker.flush(), b.sluice.worker.flush()]);
      await Promise.all([a.sluice.worker.flush(), b.sluice.worker.flush()]);
      const received = [...a.memory.received, ...b.memory.received];
      assert.deepEqual(
        received.filter((d) => d.action === "create").map((d) => d.incidentKey),
        [first?.incident],
        "one page, from either replica",
      );
      assert.equal(received.filter((d) => d.action === "comment" && d.incidentKey === first?.incident).length, 1, "told once");
      const grouped = await a.sluice.store.incidents.get(held?.incident as string);
      assert.equal(grouped?.state, "resolved");
      const resolves = (await a.sluice.store.incidents.timeline(grouped?.id as string)).filter((e) => e.action === "resolved");
      assert.equal(resolves.length, 1, "resolved once");
    } finally {
      await a.sluice.close();
      await b.sluice.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("settle window, settleAction page: the behaviour before grouping", () => {
  it("pages the held variant at the end of the window, and its incident stays open beside the first", async () => {
    const { sluice, clock, memory, firstKey, heldKey, heldAt } = await openPair("page", 1);
    try {
      clock.set(heldAt + WINDOW - 1);
      await sluice.worker.flush();
      assert.deepEqual(creates(memory), [firstKey], "held until the window's end");
      clock.set(heldAt + WINDOW);
      await sluice.worker.flush();
      assert.deepEqual(creates(memory), [firstKey, heldKey], "then it pages");
      assert.notEqual((await incident(sluice, heldKey)).state, "resolved");
      assert.equal(memory.received.filter((d) => d.incidentKey === firstKey && d.action === "comment").length, 0);
    } finally {
      await sluice.close();
    }
  });
});
