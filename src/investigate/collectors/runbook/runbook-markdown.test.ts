import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { httpRequestLine, parseRunbook } from "./runbook-markdown.ts";
import { PAYMENTS_RUNBOOK } from "./test-fixtures.ts";

describe("the runbook convention", () => {
  it("reads the title, the diagnostic steps and blocks, and the remediation steps", () => {
    const runbook = parseRunbook(PAYMENTS_RUNBOOK);
    assert.equal(runbook.title, "Payments: errors");
    assert.deepEqual(runbook.steps, [
      "Check the error ratio of payments:",
      "Check its health endpoint:",
      "Look for pool timeouts in its logs:",
      "Do not drain the queue by hand.",
    ]);
    assert.deepEqual(
      runbook.blocks.map((b) => b.lang),
      ["promql", "http", "logql", "sh", "http"],
    );
    assert.match(runbook.blocks[0]?.body ?? "", /^sum\(rate\(/);
    assert.deepEqual(runbook.remediation, [
      "Roll back the last deploy of payments.",
      "Raise the pool size (PAYMENTS_DB_POOL) to 20.",
    ]);
  });

  it("reads an http block's request line", () => {
    assert.deepEqual(httpRequestLine("\nget https://x.example/health\nAccept: text/plain"), {
      method: "GET",
      url: "https://x.example/health",
    });
    assert.equal(httpRequestLine("   "), null);
  });
});
