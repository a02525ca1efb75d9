import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DrainTree } from "./drain-tree.ts";
import { tokenize } from "./tokenize.ts";

const options = { prefixDepth: 2, similarity: 0.8, maxChildren: 100 };
const add = (tree: DrainTree, message: string) => tree.add(tokenize(message));

describe("DrainTree", () => {
  it("groups messages that differ in a non-word value and generalises the template", () => {
    const tree = new DrainTree(options);
    const a = add(tree, "com.apple.cache.daily: told me to run this job; however, the start time is not yet due");
    const b = add(tree, "com.apple.update.Activity: told me to run this job; however, the start time is not yet due");
    assert.equal(a.created, true);
    assert.equal(b.created, false);
    assert.equal(a.cluster, b.cluster);
    assert.equal(b.cluster.tokens.join(" "), "<*> told me to run this job; however, the start time is not yet due");
    assert.equal(b.cluster.size, 2);
  });

  it("keeps messages apart that differ in a plain word", () => {
    const tree = new DrainTree(options);
    const a = add(tree, "[instance: 1] VM Started (Lifecycle Event)");
    const b = add(tree, "[instance: 2] VM Paused (Lifecycle Event)");
    assert.notEqual(a.cluster, b.cluster);
  });

  it("keeps messages apart below the similarity threshold and of different length", () => {
    const tree = new DrainTree(options);
    const a = add(tree, "user a.b logged in from x.y");
    const b = add(tree, "user c.d logged out from z.w");
    const c = add(tree, "user a.b logged in");
    assert.notEqual(a.cluster, b.cluster);
    assert.notEqual(a.cluster, c.cluster);
  });

  it("matches without changing anything", () => {
    const tree = new DrainTree(options);
    add(tree, "disk a.b is full on node-1");
    const matched = tree.match(tokenize("disk c.d is full on node-2"));
    assert.ok(matched);
    assert.equal(matched.tokens.join(" "), "disk a.b is full on <*>");
    assert.equal(tree.match(tokenize("nothing like it")), undefined);
  });

  it("routes through the wildcard child once a node has too many children", () => {
    const tree = new DrainTree({ ...options, maxChildren: 2 });
    for (const word of ["alpha", "beta", "gamma", "delta"]) add(tree, `${word} x.y happened on the node`);
    assert.equal(tree.clusters.length, 4);
    assert.equal(tree.match(tokenize("delta z.w happened on the node"))?.tokens.join(" "), "delta x.y happened on the node");
  });
});
