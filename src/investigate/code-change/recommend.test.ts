import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Change } from "../../core/change.ts";
import { changedFiles, codeChangeActions, sameFile } from "./recommend.ts";

const AT = Date.UTC(2026, 10, 2, 9, 50);

function deploy(labels: Record<string, string> = {}): Change {
  return {
    id: "c1",
    source: "github",
    sourceId: "deployment_status:7",
    tenant: "default",
    service: "payments",
    environment: "production",
    kind: "deploy",
    summary: "deploy v2.4.0",
    at: AT,
    version: "v2.4.0",
    author: "ci",
    url: "https://github.com/acme/payments/compare/a1b2c3d...e4f5a6b",
    labels,
    receivedAt: AT,
  };
}

const TRACE = `TypeError: Cannot read properties of undefined (reading 'amount')
    at chargeCard (/app/src/payments/charge.ts:42:17)
    at handle (/app/src/routes/pay.ts:9:3)`;

describe("code-change recommendations", () => {
  it("names the changed file, its function and the commit range when the deploy lists its files", () => {
    const actions = codeChangeActions([
      {
        evidence: "logs-1",
        text: TRACE,
        deploy: deploy({ commitRange: "a1b2c3d..e4f5a6b", changedFiles: "src/payments/charge.ts, README.md" }),
      },
    ]);
    assert.deepEqual(actions, [
      {
        kind: "code-change",
        text: "Look at /app/src/payments/charge.ts:42 (chargeCard): changed in commits a1b2c3d..e4f5a6b (deploy v2.4.0 of payments at 2026-11-02T09:50:00.000Z)",
        link: "https://github.com/acme/payments/compare/a1b2c3d...e4f5a6b",
        evidence: ["logs-1"],
      },
    ]);
  });

  it("recommends nothing when the deploy's files do not include the code the error names", () => {
    assert.deepEqual(
      codeChangeActions([{ evidence: "logs-1", text: TRACE, deploy: deploy({ changedFiles: "src/other.ts" }) }]),
      [],
    );
  });

  it("without changed files, names the deploy and the innermost frame, and says the files are unknown", () => {
    const [action] = codeChangeActions([{ evidence: "logs-1", text: TRACE, deploy: deploy() }]);
    assert.equal(
      action?.text,
      "Look at /app/src/payments/charge.ts:42 (chargeCard), where the error is raised, in deploy v2.4.0 of payments at 2026-11-02T09:50:00.000Z (its changed files are unknown)",
    );
  });

  it("recommends nothing for an error that names no code", () => {
    assert.deepEqual(codeChangeActions([{ evidence: "logs-1", text: "connection refused", deploy: deploy() }]), []);
  });

  it("matches paths on segment boundaries, in both directions", () => {
    assert.equal(sameFile({ path: "/app/src/payments/charge.ts" }, "src/payments/charge.ts"), true);
    assert.equal(sameFile({ path: "com/acme/Charge.java" }, "src/main/java/com/acme/Charge.java"), true);
    assert.equal(sameFile({ path: "/app/src/payments/recharge.ts" }, "charge.ts"), false);
    assert.deepEqual(changedFiles(deploy({ changedFiles: "./a.ts,\nb\\c.py  d.go" })), ["a.ts", "b/c.py", "d.go"]);
  });
});
