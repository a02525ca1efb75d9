import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { newId } from "../core/ids.ts";
import type { InvestigationReport } from "../core/investigation.ts";
import { anomalyEvent, inMemorySluice } from "../testing/in-memory-sluice.ts";

// End to end through a whole Sluice: an error whose stack trace names code that the deploy before it changed
// gets a code-change recommendation in the report, naming the file, the function and the commit range.
describe("code-change recommendations of a running Sluice", async () => {
  const { sluice, clock, memory } = await inMemorySluice();
  after(() => sluice.close());

  it("recommends the changed file and function in the deploy's commit range", async () => {
    const investigator = sluice.investigator;
    assert.ok(investigator);
    await sluice.store.changes.insert([
      {
        id: newId(),
        source: "github",
        sourceId: "deployment_status:7",
        tenant: "acme",
        service: "payments",
        environment: "production",
        kind: "deploy",
        summary: "deploy v2.4.0 of acme/payments to production",
        at: clock.now() - 5 * 60_000,
        version: "v2.4.0",
        author: "ci",
        url: "https://github.com/acme/payments/compare/a1b2c3d...e4f5a6b",
        labels: { commitRange: "a1b2c3d..e4f5a6b", changedFiles: "src/payments/charge.ts,src/payments/refund.ts" },
        receivedAt: clock.now() - 5 * 60_000,
      },
    ]);
    const trace = [
      "TypeError: Cannot read properties of undefined (reading 'amount') via postgres://app:s3cr3t-P4ss@db.internal:5432/orders",
      "    at chargeCard (/app/src/payments/charge.ts:42:17)",
      "    at Router.handle (/app/node_modules/express/lib/router/index.js:284:7)",
    ].join("\n");
    const response = await sluice.server.inject({
      method: "POST",
      url: "/api/v1/signals",
      payload: anomalyEvent({ error_message: trace }),
    });
    assert.equal(response.statusCode, 202, response.body);
    investigator.start();
    await investigator.flush();
    const got = await sluice.server.inject({ method: "GET", url: "/api/incidents/INC-1/investigation" });
    const { report } = got.json() as { report: InvestigationReport };
    const code = report.actions.filter((a) => a.kind === "code-change");
    assert.equal(code.length, 1, JSON.stringify(report.actions));
    assert.match(
      code[0]?.text ?? "",
      /^Look at \/app\/src\/payments\/charge\.ts:42 \(chargeCard\): changed in commits a1b2c3d\.\.e4f5a6b \(deploy v2\.4\.0 of payments/,
    );
    assert.equal(code[0]?.link, "https://github.com/acme/payments/compare/a1b2c3d...e4f5a6b");
    // Redaction holds: the secret in the error never reaches the report, nor the ticket's note.
    await sluice.worker.flush();
    assert.ok(!JSON.stringify(report).includes("s3cr3t-P4ss"));
    const note = memory.received.find((d) => d.action === "comment" && d.investigation);
    assert.ok(note, "the report reached the ticket");
    assert.ok(!note.detail.includes("s3cr3t-P4ss"));
    assert.match(note.detail, /Look at \/app\/src\/payments\/charge\.ts:42 \(chargeCard\)/);
    const ids = new Set(report.evidence.map((e) => e.id));
    assert.ok(
      code[0]?.evidence.every((id) => ids.has(id)),
      "it cites evidence of the report",
    );
  });
});
