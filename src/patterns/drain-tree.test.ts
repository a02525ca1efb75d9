import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DrainTree } from "./drain-tree.ts";
import { tokenize } from "./tokenize.ts";

const options = { prefixDepth: 2, similarity: 0.8, maxChildren: 100, variableAfter: 4 };
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
    for (const word of ["Alpha", "Beta", "Gamma", "Delta"]) add(tree, `${word} x.y happened on the node`);
    assert.equal(tree.clusters.length, 4);
    assert.equal(tree.match(tokenize("Delta z.w happened on the node"))?.tokens.join(" "), "Delta x.y happened on the node");
  });

  it("merges the patterns of a lowercase word once one position has taken variableAfter words, into the oldest", () => {
    const tree = new DrainTree(options);
    const names = ["mlopez", "kchen", "dpatel"];
    const first = names.map((name) => add(tree, `permission denied for role ${name} on schema billing`));
    assert.equal(new Set(first.map((r) => r.cluster)).size, 3, "three words could still be an enumeration");
    assert.deepEqual(tree.takeMerges(), []);
    const fourth = add(tree, "permission denied for role sokafor on schema billing");
    assert.equal(fourth.created, false);
    assert.equal(fourth.cluster, first[0]?.cluster, "the oldest survives");
    assert.equal(fourth.cluster.tokens.join(" "), "permission denied for role <*> on schema billing");
    assert.equal(fourth.cluster.size, 4);
    assert.deepEqual(
      tree.takeMerges().map((m) => [m.from.key, m.into.key]),
      [
        [first[1]?.cluster.key, first[0]?.cluster.key],
        [first[2]?.cluster.key, first[0]?.cluster.key],
      ],
    );
    assert.equal(tree.clusters.length, 1);
    assert.equal(add(tree, "permission denied for role jnovak on schema billing").cluster, fourth.cluster);
  });

  it("never merges capitalised words (states, verbs) however many there are", () => {
    const tree = new DrainTree(options);
    for (const state of ["Started", "Paused", "Resumed", "Stopped", "Crashed", "Migrated"]) {
      add(tree, `[instance: 1] VM ${state} (Lifecycle Event)`);
    }
    assert.equal(tree.clusters.length, 6);
    assert.deepEqual(tree.takeMerges(), []);
  });

  it("does not take a word for a parameter in messages too short to say what it is", () => {
    const tree = new DrainTree(options);
    for (const word of ["generating", "store", "auxiliary", "fraction", "rounding"]) add(tree, `${word} core.${word.length}`);
    assert.equal(tree.clusters.length, 5);
  });

  it("takes a known parameter value for a parameter at once in another pattern", () => {
    const tree = new DrainTree(options);
    for (const name of ["mlopez", "kchen", "dpatel", "sokafor"]) add(tree, `password of ${name} expired yesterday at noon`);
    assert.equal(tree.clusters.length, 1);
    const a = add(tree, "session of mlopez closed by the server after idle");
    const b = add(tree, "session of kchen closed by the server after idle");
    assert.equal(b.cluster, a.cluster, "mlopez and kchen are known names");
    assert.equal(b.cluster.tokens.join(" "), "session of <*> closed by the server after idle");
    const c = add(tree, "session of nobody closed by the server after idle");
    assert.equal(c.cluster, a.cluster, "the wildcard takes any lowercase word");
  });

  it("lets a template that covers a message take it, however short", () => {
    const tree = new DrainTree(options);
    const a = add(tree, "job x.a failed");
    const b = add(tree, "job x.b failed");
    assert.notEqual(a.cluster, b.cluster, "one of three tokens differs: below the similarity");
    tree.generalize(a.cluster, tokenize("job x.c failed"));
    assert.equal(tree.match(tokenize("job x.d failed")), a.cluster);
  });

  it("folds into a widened template the patterns it now covers, keeping the oldest", () => {
    const tree = new DrainTree(options);
    const a = add(tree, "job x.a failed");
    const b = add(tree, "job x.b failed");
    tree.generalize(b.cluster, tokenize("job x.c failed"));
    const survivor = tree.foldCovered(b.cluster);
    assert.equal(survivor, a.cluster);
    assert.equal(survivor.tokens.join(" "), "job <*> failed");
    assert.equal(survivor.size, 2);
    assert.deepEqual(
      tree.takeMerges().map((m) => [m.from, m.into]),
      [[b.cluster, a.cluster]],
    );
  });

  it("names the near siblings of a cluster: only lowercase words differ, at one or two places", () => {
    const tree = new DrainTree(options);
    const alice = add(tree, "permission denied for role alice on schema billing").cluster;
    const bob = add(tree, "permission denied for role bob on schema ledger").cluster;
    // A capitalised word is a state, never a name: another message.
    const upper = add(tree, "permission denied for role alice on schema BILLING").cluster;
    // Three places differ: not what one merge folds together.
    const far = add(tree, "permission granted for role carol on schema audit").cluster;
    assert.equal(new Set([alice, bob, upper, far]).size, 4, "four patterns: two names are not yet a parameter");
    assert.deepEqual(tree.nearSiblings(bob), [alice]);
    assert.deepEqual(tree.nearSiblings(alice), [bob]);
    assert.deepEqual(tree.nearSiblings(upper), []);
    assert.deepEqual(tree.nearSiblings(far), []);
  });
  it("counts a word known as a parameter's value elsewhere twice, whatever punctuation is around it", () => {
    const tree = new DrainTree(options);
    for (const name of ["mlopez", "kchen", "dpatel", "sokafor"]) add(tree, `password of ${name} expired yesterday at noon`);
    tree.takeMerges();
    // One name known, one not: three pieces of evidence, not yet four.
    const a = add(tree, "sign-in refused for zed: password expired").cluster;
    const b = add(tree, "sign-in refused for mlopez: password expired").cluster;
    assert.notEqual(a, b, "a new name and a known one are not yet enough");
    // A third name, unknown: three words, one known: four.
    const c = add(tree, "sign-in refused for yan: password expired");
    assert.equal(c.cluster, a, "the oldest survives");
    assert.equal(c.cluster.tokens.join(" "), "sign-in refused for <*> password expired");
    assert.deepEqual(
      tree.takeMerges().map((m) => m.from),
      [b],
    );
  });

  it("merges patterns that differ only at a place the message proved a parameter, though the message joins none", () => {
    const tree = new DrainTree(options);
    const ann = ["receipts", "designs", "minutes"].map(
      (folder) => add(tree, `upload to folder ${folder} for ann stopped`).cluster,
    );
    const bob = add(tree, "upload to folder contracts for bob stopped").cluster;
    assert.equal(new Set([...ann, bob]).size, 4, "three folders could still be an enumeration");
    // A fifth folder: the folder is a parameter; the person (ann, bob, carl) is not yet one.
    const carl = add(tree, "upload to folder invoices for carl stopped");
    assert.equal(carl.created, true, "the message differs from every pattern in the person too");
    assert.equal(ann[0]?.tokens.join(" "), "upload to folder <*> for ann stopped", "ann's three folders are one pattern");
    assert.deepEqual(
      tree.takeMerges().map((m) => [m.from, m.into]),
      [
        [ann[1], ann[0]],
        [ann[2], ann[0]],
      ],
    );
    assert.equal(tree.clusters.length, 3);
  });

  it("takes a word that is part of another value of its message for a value", () => {
    const tree = new DrainTree(options);
    const a = add(tree, "container checkout-kfncl of deployment checkout was killed for using too much memory");
    const b = add(tree, "container search-vxymt of deployment search was killed for using too much memory");
    assert.equal(b.cluster, a.cluster, "each deployment name is part of its pod's name: two are enough");
    assert.equal(b.cluster.tokens.join(" "), "container <*> of deployment <*> was killed for using too much memory");
    // Not so when the word only looks like part of a token: "ache" in "cache-7", or shorter than three letters.
    const tree2 = new DrainTree(options);
    const c = add(tree2, "entry x.cache of store ache was dropped after the deadline");
    const d = add(tree2, "entry x.cache of store bin was dropped after the deadline");
    assert.notEqual(c.cluster, d.cluster);
  });

  it("puts a pattern close to others to the vote again when its names turn up as parameters elsewhere", () => {
    const tree = new DrainTree(options);
    const stalled = ["search", "wiki", "pgdata"].map(
      (volume) => add(tree, `nightly backup of volume ${volume} ended in state STALLED`).cluster,
    );
    assert.equal(new Set(stalled).size, 3);
    assert.deepEqual(tree.takeMerges(), []);
    // Another problem makes the three names known as parameter values...
    for (const volume of ["search", "wiki", "pgdata", "chat"])
      add(tree, `nightly backup of volume ${volume} ended in state FAILED`);
    tree.takeMerges();
    // ...and the next message of a STALLED pattern seen before merges its siblings, with no new name.
    const again = add(tree, "nightly backup of volume wiki ended in state STALLED");
    assert.equal(again.cluster, stalled[0]);
    assert.equal(again.cluster.tokens.join(" "), "nightly backup of volume <*> ended in state STALLED");
    assert.deepEqual(
      tree.takeMerges().map((m) => m.from),
      [stalled[1], stalled[2]],
    );
    // FAILED and STALLED stay two problems: a capitalised word is never a name.
    assert.equal(tree.clusters.length, 2);
  });
});
