import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { PatternRepository } from "../core/ports/pattern-repository.ts";
import { emptyChangeSet } from "../core/ports/store.ts";
import { SqliteStore } from "../store/sqlite/sqlite-store.ts";
import { PatternCatalog } from "./pattern-catalog.ts";

const memoryStore = () => SqliteStore.open({ dataDir: ":memory:", synchronous: "normal" });

async function one(catalog: PatternCatalog, message: string) {
  const [pattern] = await catalog.identify([message]);
  assert.ok(pattern);
  return pattern;
}

// Writes what the catalog generalised, as the ingest transaction does.
async function commit(store: SqliteStore, catalog: PatternCatalog): Promise<void> {
  await store.apply({ ...emptyChangeSet(), patterns: catalog.takeChanges() });
}

describe("PatternCatalog", () => {
  it("keeps a pattern's id while its template generalises, and shows the template", async () => {
    const catalog = new PatternCatalog();
    const first = await one(catalog, "login failed for alice from web");
    const second = await one(catalog, "login failed for bob.smith from web");
    const third = await one(catalog, "login failed for carol from web");
    assert.equal(first.template, "login failed for alice from web");
    assert.equal(second.template, "login failed for <*> from web");
    assert.equal(second.patternId, first.patternId);
    // "carol" would not join the first template (two plain words differ); it joins the generalised one.
    assert.equal(third.patternId, first.patternId);
    assert.notEqual((await one(catalog, "login succeeded for alice from web")).patternId, first.patternId);
  });

  it("gives two miners with different histories one id for one problem (shared database)", async () => {
    const store = await memoryStore();
    try {
      const a = new PatternCatalog({ repository: store.patterns });
      const b = new PatternCatalog({ repository: store.patterns });
      // A saw the problem first, through one value; B has never seen it and meets another value.
      const fromA = await one(a, "cache node n.alpha refused write because quota s.red exceeded on shard");
      const fromB = await one(b, "cache node n.beta refused write because quota s.red exceeded on shard");
      assert.equal(fromB.patternId, fromA.patternId);
      assert.equal(fromB.template, "cache node <*> refused write because quota s.red exceeded on shard");
      // Unrelated messages stay apart in both.
      assert.notEqual((await one(b, "cache node n.beta accepted write")).patternId, fromA.patternId);
    } finally {
      await store.close();
    }
  });

  it("maps a message to the id another miner generalised, though this miner holds the older template", async () => {
    const store = await memoryStore();
    try {
      const a = new PatternCatalog({ repository: store.patterns });
      const first = await one(a, "login failed for alice from web");
      await commit(store, a);
      // B starts now: it loads the pattern as it is, "alice" and all.
      const b = new PatternCatalog({ repository: store.patterns, refreshMs: 3_600_000 });
      assert.equal((await one(b, "login failed for alice from web")).patternId, first.patternId);
      // A generalises and commits; B's copy still says "alice", so "carol" misses B's memory...
      assert.equal((await one(a, "login failed for bob.smith from web")).patternId, first.patternId);
      await commit(store, a);
      // ...and B asks the database, which knows the generalised template: same id, not a new pattern.
      const fromB = await one(b, "login failed for carol from web");
      assert.equal(fromB.patternId, first.patternId);
      assert.equal(fromB.template, "login failed for <*> from web");
    } finally {
      await store.close();
    }
  });

  it("learns patterns other processes created and generalised on its refresh", async () => {
    const store = await memoryStore();
    try {
      let now = 1_000_000;
      const a = new PatternCatalog({ repository: store.patterns, now: () => now });
      let claims = 0;
      const counted: PatternRepository = {
        updatedSince: (since, limit) => store.patterns.updatedSince(since, limit),
        claim: (batch, choose) => {
          claims += batch.length;
          return store.patterns.claim(batch, choose);
        },
        merge: (merges) => store.patterns.merge(merges),
      };
      const b = new PatternCatalog({ repository: counted, now: () => now, refreshMs: 5_000 });
      await one(b, "warming up the cache");
      const made = await one(a, "disk d.one is full on node");
      await one(a, "disk d.two is full on node");
      await commit(store, a);
      now += 5_000;
      // B reads the generalised template on its refresh: a line "d.three" hits memory with A's id.
      const claimsBefore = claims;
      const fromB = await one(b, "disk d.three is full on node");
      assert.equal(claims, claimsBefore, "answered from memory, without asking the database");
      assert.equal(fromB.patternId, made.patternId);
      assert.equal(fromB.template, "disk <*> is full on node");
    } finally {
      await store.close();
    }
  });

  it("converges after a refresh when two replicas split a problem while a generalisation was in flight", async () => {
    const store = await memoryStore();
    try {
      let now = 1_000_000;
      const a = new PatternCatalog({ repository: store.patterns, now: () => now, refreshMs: 5_000 });
      const b = new PatternCatalog({ repository: store.patterns, now: () => now, refreshMs: 5_000 });
      await one(a, "login failed for alice from web");
      await commit(store, a);
      now += 1_000;
      // A generalises but has not committed yet; B meets "carol", which the stored "alice" does not cover.
      await one(a, "login failed for bob.smith from web");
      const split = await one(b, "login failed for carol from web");
      const fromA = await one(a, "login failed for carol from web");
      assert.notEqual(fromA.patternId, split.patternId, "the window this test is about");
      await commit(store, a);
      now += 5_000;
      // After their refresh both hold both patterns: the generalised one covers the one split off, which
      // merges into it (the older) in both, and the merge is written for every other process.
      const [afterA, afterB] = [await one(a, "login failed for carol from web"), await one(b, "login failed for carol from web")];
      assert.equal(afterA.patternId, fromA.patternId);
      assert.equal(afterB.patternId, fromA.patternId);
      const stored = await store.patterns.updatedSince(0, 10);
      assert.equal(stored.find((p) => p.id === split.patternId)?.mergedInto, fromA.patternId);
      assert.deepEqual(
        b.takeMerges().map((m) => [m.from, m.into]),
        [[split.patternId, fromA.patternId]],
      );
    } finally {
      await store.close();
    }
  });

  it("resolves one batch's new messages of one problem to one pattern", async () => {
    const store = await memoryStore();
    try {
      const catalog = new PatternCatalog({ repository: store.patterns });
      const found = await catalog.identify([
        "queue q.orders is stuck behind consumer c.main",
        "queue q.payments is stuck behind consumer c.main",
        "queue q.orders is stuck behind consumer c.main",
      ]);
      assert.equal(new Set(found.map((f) => f.patternId)).size, 1);
      assert.equal((await store.patterns.updatedSince(0, 10)).length, 1);
    } finally {
      await store.close();
    }
  });

  it("holds at most maxPatterns in memory; an evicted pattern comes back from the database with its id", async () => {
    const store = await memoryStore();
    try {
      const catalog = new PatternCatalog({ repository: store.patterns, maxPatterns: 2 });
      const first = await one(catalog, "first problem p.one happened in the app");
      await one(catalog, "second problem p.two occurred here");
      await one(catalog, "third problem p.three showed up right now");
      assert.equal(catalog.size, 2);
      assert.equal(catalog.evictions, 1);
      assert.equal((await one(catalog, "first problem p.nine happened in the app")).patternId, first.patternId);
      assert.equal(catalog.size, 2);
    } finally {
      await store.close();
    }
  });

  it("survives a restart: a fresh miner over the reopened database gives the same id", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-patterns-"));
    try {
      const before = await SqliteStore.open({ dataDir: dir, synchronous: "full" });
      const catalog = new PatternCatalog({ repository: before.patterns });
      const original = await one(catalog, "payment p.visa declined by gateway g.eu after 3 retries");
      await one(catalog, "payment p.amex declined by gateway g.eu after 1 retries");
      await commit(before, catalog);
      await before.close();

      const after = await SqliteStore.open({ dataDir: dir, synchronous: "full" });
      try {
        const fresh = new PatternCatalog({ repository: after.patterns });
        const again = await one(fresh, "payment p.mc declined by gateway g.eu after 7 retries");
        assert.equal(again.patternId, original.patternId);
        assert.equal(again.template, "payment <*> declined by gateway g.eu after <*> retries");
      } finally {
        await after.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("writes only changed templates, and gives changes back when their transaction fails", async () => {
    const store = await memoryStore();
    try {
      const catalog = new PatternCatalog({ repository: store.patterns });
      await one(catalog, "job j.alpha finished late last night");
      assert.deepEqual(catalog.takeChanges(), []);
      await one(catalog, "job j.alpha finished late last night");
      assert.deepEqual(catalog.takeChanges(), []);
      await one(catalog, "job j.beta finished late last night");
      const changes = catalog.takeChanges();
      assert.deepEqual(
        changes.map((c) => c.template.join(" ")),
        ["job <*> finished late last night"],
      );
      catalog.restoreChanges(changes);
      assert.equal(catalog.takeChanges().length, 1);
    } finally {
      await store.close();
    }
  });

  it("merges the patterns of a name once it shows to be a parameter, writes the merge, and another process resolves the merged ids", async () => {
    const store = await memoryStore();
    try {
      let now = 1_000_000;
      const a = new PatternCatalog({ repository: store.patterns, now: () => now });
      const early: string[] = [];
      for (const name of ["mlopez", "kchen", "dpatel"]) {
        now += 1_000;
        early.push((await one(a, `replica of table ${name} fell behind the primary`)).patternId);
      }
      assert.equal(new Set(early).size, 3);
      now += 1_000;
      const merged = await one(a, "replica of table sokafor fell behind the primary");
      assert.equal(merged.patternId, early[0]);
      assert.equal(merged.template, "replica of table <*> fell behind the primary");
      assert.deepEqual(
        a.takeMerges().map((m) => [m.from, m.into, m.template]),
        [
          [early[1], early[0], merged.template],
          [early[2], early[0], merged.template],
        ],
      );
      assert.deepEqual(a.aliasesOf(early[0] as string).sort(), [early[1], early[2]].sort());
      await commit(store, a);
      const stored = new Map((await store.patterns.updatedSince(0, 10)).map((p) => [p.id, p]));
      assert.equal(stored.get(early[1] as string)?.mergedInto, early[0]);
      assert.equal(stored.get(early[2] as string)?.mergedInto, early[0]);
      assert.equal(stored.get(early[0] as string)?.template.join(" "), merged.template);
      // A process that starts now learns the merges: a merged pattern's own first message answers with the survivor.
      const b = new PatternCatalog({ repository: store.patterns, now: () => now });
      assert.equal((await one(b, "replica of table kchen fell behind the primary")).patternId, early[0]);
      assert.deepEqual(b.aliasesOf(early[0] as string).sort(), [early[1], early[2]].sort());
      assert.deepEqual(b.takeMerges(), [], "merges it loaded at start are history, not news");
    } finally {
      await store.close();
    }
  });

  it("gives every message of the batch that merged patterns the survivor's id", async () => {
    const catalog = new PatternCatalog();
    const found = await catalog.identify(
      ["mlopez", "kchen", "dpatel", "sokafor"].map((name) => `upload for ${name} stopped because the copy changed`),
    );
    assert.equal(new Set(found.map((f) => f.patternId)).size, 1);
    assert.ok(found.every((f) => f.template === "upload for <*> stopped because the copy changed"));
  });

  it("names a pattern's near siblings, also those another replica stored that it has not read yet", async () => {
    const store = await memoryStore();
    try {
      const a = new PatternCatalog({ repository: store.patterns, refreshMs: 60_000 });
      const b = new PatternCatalog({ repository: store.patterns, refreshMs: 60_000 });
      await one(b, "job export could not be placed on node vega");
      const alice = await one(a, "sign-in refused for alice: password expired");
      // b loaded the database before a stored alice's pattern and has not refreshed since: only its claim saw it.
      const bob = await one(b, "sign-in refused for bob: password expired");
      assert.notEqual(bob.patternId, alice.patternId);
      assert.deepEqual(b.nearSiblingsOf(bob.patternId), [alice.patternId]);
      const carol = await one(a, "sign-in refused for carol: password expired");
      assert.deepEqual(a.nearSiblingsOf(carol.patternId).sort(), [alice.patternId, bob.patternId].sort());
      assert.deepEqual(a.nearSiblingsOf("p-unknown"), []);
      // Not a sibling: another length.
      const other = await one(a, "sign-in refused for alice: account locked by admin");
      assert.deepEqual(a.nearSiblingsOf(other.patternId), []);
    } finally {
      await store.close();
    }
  });
  it("merges siblings on a message seen before once their names turned up as parameters elsewhere, and writes the merge", async () => {
    const store = await memoryStore();
    try {
      let now = 1_000_000;
      const catalog = new PatternCatalog({ repository: store.patterns, now: () => now });
      const stalled: string[] = [];
      for (const volume of ["search", "wiki", "pgdata"]) {
        now += 1_000;
        stalled.push((await one(catalog, `nightly backup of volume ${volume} ended in state STALLED`)).patternId);
      }
      assert.equal(new Set(stalled).size, 3, "three names could still be an enumeration");
      for (const volume of ["search", "wiki", "pgdata", "chat"])
        await one(catalog, `nightly backup of volume ${volume} ended in state FAILED`);
      catalog.takeMerges();
      // Seen before (the shortcut by masked text): no new name, but every name of the siblings is now known.
      now += 1_000;
      const again = await one(catalog, "nightly backup of volume wiki ended in state STALLED");
      assert.equal(again.patternId, stalled[0]);
      assert.equal(again.template, "nightly backup of volume <*> ended in state STALLED");
      assert.deepEqual(
        catalog
          .takeMerges()
          .map((m) => m.from)
          .sort(),
        [stalled[1], stalled[2]].sort(),
      );
      await commit(store, catalog);
      const stored = new Map((await store.patterns.updatedSince(0, 20)).map((p) => [p.id, p]));
      assert.equal(stored.get(stalled[1] as string)?.mergedInto, stalled[0]);
      assert.equal(stored.get(stalled[2] as string)?.mergedInto, stalled[0]);
    } finally {
      await store.close();
    }
  });
});
