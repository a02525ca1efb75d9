import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CallGraph } from "./call-graph.ts";

// web → api → db, web → lb (opaque) ; api → cache ; cache → db ; db → db (ignored)
const graph = new CallGraph(
  [
    { caller: "web", callee: "api" },
    { caller: "web", callee: "lb" },
    { caller: "api", callee: "db" },
    { caller: "api", callee: "cache" },
    { caller: "cache", callee: "db" },
    { caller: "api", callee: "db" },
    { caller: "db", callee: "db" },
  ],
  [["lb", "opaque"]],
);

describe("CallGraph", () => {
  it("lists callees and callers once each, ignoring self-calls", () => {
    assert.deepEqual(graph.callees("api"), ["db", "cache"]);
    assert.deepEqual(graph.callers("db"), ["api", "cache"]);
    assert.deepEqual(graph.callees("db"), []);
    assert.deepEqual(graph.callers("nobody"), []);
  });

  it("treats a node of unknown kind as a service", () => {
    assert.equal(graph.kind("lb"), "opaque");
    assert.equal(graph.kind("api"), "service");
    assert.equal(graph.kind("nobody"), "service");
  });

  it("finds the shortest chain of callers from a node up to another", () => {
    assert.deepEqual(
      graph.upstreamPath("db", "web", () => true),
      ["db", "api", "web"],
    );
    assert.deepEqual(
      graph.upstreamPath("web", "web", () => false),
      ["web"],
    );
  });

  it("passes only through nodes the predicate allows, and never downwards", () => {
    assert.deepEqual(
      graph.upstreamPath("db", "web", (n) => n !== "api"),
      null,
    );
    assert.deepEqual(
      graph.upstreamPath("db", "api", () => false),
      ["db", "api"],
      "a direct caller needs no intermediate",
    );
    assert.equal(
      graph.upstreamPath("web", "db", () => true),
      null,
    );
  });

  it("terminates on cycles", () => {
    const cyclic = new CallGraph([
      { caller: "a", callee: "b" },
      { caller: "b", callee: "a" },
    ]);
    assert.equal(
      cyclic.upstreamPath("a", "z", () => true),
      null,
    );
  });
});
