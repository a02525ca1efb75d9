import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { depthProblem, MAX_JSON_DEPTH } from "./json-depth.ts";

const arrays = (levels: number): unknown => JSON.parse(`${"[".repeat(levels)}${"]".repeat(levels)}`);
const objects = (levels: number): unknown => JSON.parse(`${'{"a":'.repeat(levels - 1)}{}${"}".repeat(levels - 1)}`);

describe("depthProblem", () => {
  it("takes documents up to the limit, the document itself being level 1", () => {
    assert.equal(depthProblem(arrays(MAX_JSON_DEPTH)), null);
    assert.equal(depthProblem(objects(MAX_JSON_DEPTH)), null);
    assert.equal(depthProblem({ alerts: [{ labels: { a: "b" } }] }, "", 4), null);
    for (const scalar of [null, 1, "text", true]) assert.equal(depthProblem(scalar), null);
  });

  it("names where a document goes one level too deep, and the limit", () => {
    assert.deepEqual(depthProblem({ alerts: [{ labels: { a: "b" } }] }, "", 3), {
      path: "alerts[0].labels",
      message: "nests deeper than 3 levels",
    });
    assert.deepEqual(depthProblem(objects(MAX_JSON_DEPTH + 1), "[2]"), {
      path: "[2].a.a.a.a.a.a.a.a…",
      message: `nests deeper than ${MAX_JSON_DEPTH} levels`,
    });
  });

  it("walks a million levels without overflowing the stack", () => {
    const deep: unknown[] = [];
    let at = deep;
    for (let i = 0; i < 1_000_000; i++) {
      const next: unknown[] = [];
      at.push(next);
      at = next;
    }
    assert.equal(depthProblem({ extra: deep })?.path, "extra[0][0][0][0][0][0][0]…");
  });
});
