import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MAX_JSON_DEPTH, shapeProblem } from "./json-shape.ts";

const arrays = (levels: number): unknown => JSON.parse(`${"[".repeat(levels)}${"]".repeat(levels)}`);
const objects = (levels: number): unknown => JSON.parse(`${'{"a":'.repeat(levels - 1)}{}${"}".repeat(levels - 1)}`);

describe("shapeProblem", () => {
  it("takes documents up to the limit, the document itself being level 1", () => {
    assert.equal(shapeProblem(arrays(MAX_JSON_DEPTH)), null);
    assert.equal(shapeProblem(objects(MAX_JSON_DEPTH)), null);
    assert.equal(shapeProblem({ alerts: [{ labels: { a: "b" } }] }, "", 4), null);
    for (const scalar of [null, 1, "text", true]) assert.equal(shapeProblem(scalar), null);
  });

  it("names where a document goes one level too deep, and the limit", () => {
    assert.deepEqual(shapeProblem({ alerts: [{ labels: { a: "b" } }] }, "", 3), {
      code: "VALIDATION_FAILED",
      problem: { path: "alerts[0].labels", message: "nests deeper than 3 levels" },
    });
    assert.deepEqual(shapeProblem(objects(MAX_JSON_DEPTH + 1), "[2]"), {
      code: "VALIDATION_FAILED",
      problem: { path: "[2].a.a.a.a.a.a.a.a…", message: `nests deeper than ${MAX_JSON_DEPTH} levels` },
    });
  });

  it("refuses prototype-poisoning keys anywhere, naming them, and takes the names as values", () => {
    assert.deepEqual(shapeProblem(JSON.parse('{"labels":[{"a":1},{"__proto__":{"admin":true}}]}')), {
      code: "MALFORMED_BODY",
      problem: { path: "labels[1].__proto__", message: 'the key "__proto__" is refused (prototype poisoning)' },
    });
    assert.equal(shapeProblem(JSON.parse('{"x":{"constructor":{"prototype":{}}}}'))?.problem.path, "x.constructor");
    assert.equal(shapeProblem({ constructor: "a", labels: { toString: "b" }, service: "__proto__" }), null);
  });

  it("walks a million levels without overflowing the stack", () => {
    const deep: unknown[] = [];
    let at = deep;
    for (let i = 0; i < 1_000_000; i++) {
      const next: unknown[] = [];
      at.push(next);
      at = next;
    }
    assert.equal(shapeProblem({ extra: deep })?.problem.path, "extra[0][0][0][0][0][0][0]…");
  });
});
