import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { groupingAccuracy } from "./grouping-accuracy.ts";
import { stripHeader } from "./header.ts";
import { loadLoghubDatasets } from "./loghub.ts";
import { PatternMiner, type PatternMinerState } from "./miner.ts";

// Read in place, never copied into the repository; SLUICE_DATASETS points elsewhere (loghub-dev layout).
const DATASETS = process.env.SLUICE_DATASETS ?? fileURLToPath(new URL("../../../shared/datasets/loghub-dev", import.meta.url));

const messages = [
  "timeout after 1200ms calling payments for request 8f3a9c21d0",
  "user com.acme.alice logged in from 10.0.0.1",
  "timeout after 90ms calling payments for request 77b1e2ff00",
  "user com.acme.bob logged in from 10.0.0.2",
  "VM Started",
  "VM Paused",
];

describe("PatternMiner", () => {
  it("gives one pattern to the same error with different values", () => {
    const miner = new PatternMiner();
    const [a, b, c, d, e, f] = messages.map((m) => miner.add(m));
    assert.equal(a?.patternId, c?.patternId);
    assert.equal(b?.patternId, d?.patternId);
    assert.equal(d?.template, "user <*> logged in from <*>");
    assert.notEqual(e?.patternId, f?.patternId);
    assert.equal(miner.size, 4);
    assert.equal(a?.created, true);
    assert.equal(c?.created, false);
  });

  it("keeps a pattern's id while its template generalises", () => {
    const miner = new PatternMiner();
    const first = miner.add("user com.acme.alice logged in to the console");
    const second = miner.add("user com.acme.bob logged in to the console");
    assert.equal(first.template, "user com.acme.alice logged in to the console");
    assert.equal(second.template, "user <*> logged in to the console");
    assert.equal(first.patternId, second.patternId);
    assert.equal(miner.pattern(first.index)?.template, "user <*> logged in to the console");
    assert.equal(miner.pattern(first.index)?.size, 2);
  });

  it("is deterministic", () => {
    const run = () => {
      const miner = new PatternMiner();
      return messages.map((m) => miner.add(m));
    };
    assert.deepEqual(run(), run());
  });

  it("survives a toJSON/fromJSON round trip and carries on as if never stopped", () => {
    const more = [
      ...messages,
      "user org.x.carol logged in from 10.0.0.3",
      "VM Resumed",
      "timeout after 5ms calling ledger for request 0a0b0c0d0e",
    ];
    const straight = new PatternMiner();
    const half = new PatternMiner();
    for (const m of messages) {
      straight.add(m);
      half.add(m);
    }
    const state = JSON.parse(JSON.stringify(half)) as PatternMinerState;
    assert.equal(state.version, 2);
    const restored = PatternMiner.fromJSON(state);
    assert.deepEqual(restored.toJSON(), half.toJSON());
    for (const m of more) assert.deepEqual(restored.add(m), straight.add(m));
    assert.deepEqual(restored.toJSON(), straight.toJSON());
    assert.deepEqual(restored.match("VM Paused"), straight.match("VM Paused"));
  });

  it("rejects a state of an unknown version", () => {
    assert.throws(() => PatternMiner.fromJSON({ version: 3 } as unknown as PatternMinerState), /version/);
  });

  it("merges the patterns of a name once it shows to be a parameter; their creation numbers resolve to the survivor", () => {
    const miner = new PatternMiner();
    const early = ["mlopez", "kchen", "dpatel"].map((name) => miner.add(`quota of team growth exceeded by ${name} today`));
    assert.equal(new Set(early.map((p) => p.patternId)).size, 3);
    const merging = miner.add("quota of team growth exceeded by sokafor today");
    assert.equal(merging.patternId, early[0]?.patternId);
    assert.deepEqual(merging.merged, [early[1]?.patternId, early[2]?.patternId]);
    assert.equal(miner.size, 1);
    assert.equal(miner.createdCount, 3);
    for (const p of early) {
      assert.equal(miner.resolve(p.index), early[0]?.index);
      assert.deepEqual(miner.pattern(p.index), {
        patternId: early[0]?.patternId,
        template: "quota of team growth exceeded by <*> today",
        size: 4,
      });
    }
    // The merge survives a round trip: the merged numbers still resolve.
    const restored = PatternMiner.fromJSON(JSON.parse(JSON.stringify(miner)) as PatternMinerState);
    assert.equal(restored.pattern(early[2]?.index as number)?.patternId, early[0]?.patternId);
    assert.equal(restored.add("quota of team growth exceeded by jnovak today").patternId, early[0]?.patternId);
  });

  it("reads a state saved before merges existed (version 1)", () => {
    const restored = PatternMiner.fromJSON({
      version: 1,
      options: { prefixDepth: 2, similarity: 0.8, maxChildren: 100 },
      patterns: [{ id: "p0000000000000001", template: ["disk", "<*>", "is", "full"], size: 3 }],
    });
    assert.equal(restored.add("disk /x/y is full").patternId, "p0000000000000001");
    assert.equal(restored.pattern(0)?.size, 4);
  });

  it("matches without learning", () => {
    const miner = new PatternMiner();
    miner.add("disk /var/a is full");
    assert.equal(miner.match("disk /var/b is full")?.template, "disk <*> is full");
    assert.equal(miner.match("something else entirely"), undefined);
    assert.equal(miner.size, 1);
  });
});

describe("grouping accuracy on the Loghub samples (../shared/datasets)", () => {
  if (!existsSync(DATASETS)) {
    if (process.env.CI === "true") {
      it("needs ../shared/datasets in CI", () => assert.fail(`${DATASETS} is missing`));
    } else {
      console.warn("SKIPPED: ../shared/datasets missing");
    }
    return;
  }
  const datasets = loadLoghubDatasets(DATASETS);
  it("restores mid-stream to exactly the same results (all datasets, one miner)", () => {
    const lines = datasets.flatMap((d) => d.rawLines.map(stripHeader));
    const straight = new PatternMiner();
    const expected = lines.map((l) => straight.add(l));
    let miner = new PatternMiner();
    const got = lines.map((l, i) => {
      if (i % 3000 === 2999) miner = PatternMiner.fromJSON(JSON.parse(JSON.stringify(miner)) as PatternMinerState);
      return miner.add(l);
    });
    assert.deepEqual(got, expected);
  });

  for (const dataset of datasets) {
    it(`${dataset.name}: GA >= 0.85 on raw lines (header stripped) and on the Content column`, () => {
      const raw = new PatternMiner();
      const rawGa = groupingAccuracy(
        dataset.rawLines.map((line) => raw.add(stripHeader(line)).index),
        dataset.eventIds,
      );
      const content = new PatternMiner();
      const contentGa = groupingAccuracy(
        dataset.contents.map((message) => content.add(message).index),
        dataset.eventIds,
      );
      assert.ok(rawGa >= 0.85, `raw-line GA ${rawGa.toFixed(3)}`);
      assert.ok(contentGa >= 0.85, `Content GA ${contentGa.toFixed(3)}`);
    });
  }
});
