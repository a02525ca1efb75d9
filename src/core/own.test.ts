import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ownValue, setOwn } from "./own.ts";

describe("ownValue and setOwn", () => {
  const table: Record<string, number> = { low: 1, high: 2 };

  it("finds what the table holds and nothing it inherits", () => {
    assert.equal(ownValue(table, "high"), 2);
    for (const name of ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"]) {
      assert.equal(ownValue(table, name), undefined, name);
    }
  });

  it("writes __proto__ as data: kept, enumerable, serialised, and the prototype untouched", () => {
    const labels: Record<string, string> = {};
    setOwn(labels, "__proto__", "x");
    setOwn(labels, "constructor", "y");
    assert.equal(Object.getPrototypeOf(labels), Object.prototype);
    assert.deepEqual(Object.keys(labels), ["__proto__", "constructor"]);
    assert.equal(JSON.stringify(labels), '{"__proto__":"x","constructor":"y"}');
    assert.equal(ownValue(labels, "__proto__"), "x");
    assert.deepEqual({ ...labels }, JSON.parse('{"__proto__":"x","constructor":"y"}'));
  });
});
