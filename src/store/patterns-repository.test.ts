import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PatternClaim, StoredPattern } from "../core/ports/pattern-repository.ts";
import { emptyChangeSet } from "../core/ports/store.ts";
import { SqliteStore } from "./sqlite/sqlite-store.ts";

// Edge cases of the stored form; the behaviour both engines share is in store-contract.ts.

const claim = (id: string, tokens: string[]): PatternClaim => ({ id, shape: `${tokens.length}`, tokens, at: 1 });
const never = (): StoredPattern | undefined => undefined;

describe("patterns repository (SQLite)", () => {
  it("round-trips an empty template and keeps tokens that hold punctuation", async () => {
    const store = await SqliteStore.open({ dataDir: ":memory:", synchronous: "normal" });
    try {
      const [empty, punctuated] = await store.patterns.claim(
        [claim("p-empty", []), claim("p-punct", ["GET", "/x?a=<*>", "user:<*>", '"quoted"'])],
        never,
      );
      assert.deepEqual(empty?.template, []);
      assert.deepEqual(punctuated?.template, ["GET", "/x?a=<*>", "user:<*>", '"quoted"']);
      const stored = await store.patterns.updatedSince(0, 10);
      assert.deepEqual(stored.map((p) => p.template.length).sort(), [0, 4]);
    } finally {
      await store.close();
    }
  });

  it("ignores a template change for a pattern it does not have, and takes a change of length as written", async () => {
    const store = await SqliteStore.open({ dataDir: ":memory:", synchronous: "normal" });
    try {
      await store.patterns.claim([claim("p-one", ["a", "b", "c"])], never);
      await store.apply({
        ...emptyChangeSet(),
        patterns: [
          { id: "p-missing", template: ["x"], at: 5 },
          { id: "p-one", template: ["a", "<*>"], at: 6 },
        ],
      });
      const stored = await store.patterns.updatedSince(0, 10);
      assert.deepEqual(
        stored.map((p) => [p.id, p.template.join(" "), p.updatedAt]),
        [["p-one", "a <*>", 6]],
      );
    } finally {
      await store.close();
    }
  });
});
