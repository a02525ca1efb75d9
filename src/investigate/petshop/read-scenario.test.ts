import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { readScenario, readTarget } from "./read-scenario.ts";
import { writePetshopFixture } from "./test-fixtures.ts";

const fixture = writePetshopFixture();
const scratch = mkdtempSync(join(tmpdir(), "sluice-petshop-bad-"));
after(() => {
  rmSync(fixture, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

function issueWithTarget(name: string, content: string) {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "target.json"), content);
  return { name, dir };
}

describe("readScenario", () => {
  it("reads the graph and normal operation and lists issues by split, then by number", () => {
    const scenario = readScenario(fixture);
    assert.deepEqual(
      scenario.issues.map((i) => i.name),
      ["test/issue_0", "test/issue_1", "test/issue_10", "train/issue_0"],
    );
    assert.equal(scenario.graph.edges.length, 4);
    assert.equal(scenario.normal.timestamps.length, 200);
  });

  it("says what is missing from a directory that is not PetShop-format", () => {
    assert.throws(() => readScenario(join(scratch, "nope")), /nope: not a directory/);
    mkdirSync(join(scratch, "empty"));
    assert.throws(() => readScenario(join(scratch, "empty")), /graph\.csv: missing: a PetShop-format directory needs graph\.csv/);
  });
});

describe("readTarget", () => {
  it("returns the target only, in epoch ms, whatever else the file holds", () => {
    const expected = { node: "PetSite", metric: "latency", statistic: "Average", at: 1681855803000 };
    const target = { node: "PetSite", metric: "latency", agg: "Average", timestamp: 1681855803 };
    for (const [name, extra] of [
      ["with", { root_cause: { node: "PetSearch", metric: null } }],
      ["scrambled", { root_cause: "garbage", metadata: [1, 2] }],
      ["without", {}],
    ] as const) {
      assert.deepEqual(readTarget(issueWithTarget(name, JSON.stringify({ target, ...extra }))), expected, name);
    }
  });

  it("names the field that is wrong", () => {
    assert.throws(() => readTarget(issueWithTarget("notjson", "{")), /notjson\/target\.json: not JSON/);
    assert.throws(() => readTarget(issueWithTarget("notarget", "{}")), /no "target" object/);
    assert.throws(
      () =>
        readTarget(
          issueWithTarget(
            "nots",
            JSON.stringify({ target: { node: "a", metric: "latency", agg: "Average", timestamp: "soon" } }),
          ),
        ),
      /target\.timestamp must be a Unix time/,
    );
    assert.throws(() => readTarget({ name: "none", dir: join(scratch, "none") }), /target\.json: missing/);
  });
});
