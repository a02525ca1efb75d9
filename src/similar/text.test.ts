import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { analyze, distinctTerms, stem, TermCache } from "./text.ts";

describe("similar-incident text analysis", () => {
  it("splits camelCase and snake_case and lower-cases", () => {
    assert.deepEqual(analyze("ConnectionPoolTimeout in payment_service"), ["connect", "pool", "timeout", "payment", "servic"]);
  });

  it("drops the pattern miner's masks, ids, hashes and long numbers but keeps status and exit codes", () => {
    assert.deepEqual(analyze("Unable to acquire connection after <num>ms for <*>"), ["unabl", "acquir", "connect", "ms"]);
    assert.deepEqual(analyze("request 7f3a9c21e0b4 failed with 502 after 30000ms, exit 137, 5xx"), [
      "request",
      "fail",
      "502",
      "exit",
      "137",
      "5xx",
    ]);
    // A uuid's parts are ids; a short version-like word stays.
    assert.deepEqual(analyze("order 3f2c9a1e-77b0-4c1e-9d2a-0b6c1f3e9a77 on ec2 v2"), ["order", "ec2", "v2"]);
  });

  it("reads words named like Object properties as words", () => {
    assert.deepEqual(analyze("constructor toString valueOf hasOwnProperty"), [
      "constructor",
      "string",
      "valu",
      "own",
      "property",
    ]);
  });

  it("unifies the ways operators write one thing", () => {
    assert.deepEqual(distinctTerms("request timed out"), distinctTerms("request timeout"));
    assert.deepEqual(distinctTerms("deadline exceeded"), ["timeout"]);
    assert.deepEqual(distinctTerms("container out of memory"), distinctTerms("container OOMKilled"));
    assert.ok(distinctTerms("OOMKilled").includes("oom"));
    assert.deepEqual(distinctTerms("db conn refused"), distinctTerms("database connection refused"));
    assert.deepEqual(distinctTerms("ECONNREFUSED"), ["connrefused"]);
    assert.deepEqual(distinctTerms("No space left on device"), distinctTerms("ENOSPC device"));
  });

  it("stems plurals and verb forms of one word to one term", () => {
    for (const group of [
      ["connections", "connection", "connecting", "connected"],
      ["failures", "failure"],
      ["retries", "retry"],
      ["timeouts", "timeout"],
      ["dropped", "drop"],
      ["rejected", "rejection", "reject"],
    ]) {
      assert.equal(new Set(group.map(stem)).size, 1, `${group.join(", ")} → ${group.map(stem).join(", ")}`);
    }
    // Short words and words ending in -ss/-us are left alone.
    assert.equal(stem("pods"), "pods");
    assert.equal(stem("status"), "status");
    assert.equal(stem("access"), "access");
  });

  it("removes stop words and returns nothing for empty text", () => {
    assert.deepEqual(analyze("the pool is not at the limit"), ["pool", "limit"]);
    assert.deepEqual(analyze(""), []);
  });

  it("caches terms without changing them, within a bound", () => {
    const cache = new TermCache(2);
    const texts = [
      "Redis command timed out after 500ms",
      "HikariPool-1 connection is not available",
      "x509: certificate has expired",
    ];
    for (const text of [...texts, ...texts]) assert.deepEqual(cache.terms(text), analyze(text));
    assert.equal(cache.size, 2);
  });
});
