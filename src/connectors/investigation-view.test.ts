import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hugeInvestigation, sampleInvestigation } from "../testing/investigation-fixture.ts";
import { clipText, investigationPlainText, investigationView } from "./investigation-view.ts";

describe("investigationView", () => {
  it("leads with the hypothesis, lists cited evidence first, and keeps non-URL links as text", () => {
    const view = investigationView(sampleInvestigation(), "https://sluice.example.com/incidents/1");
    assert.match(view.headline, /^Hypothesis: payments is the likely root cause/);
    assert.equal(view.confidence, "82%");
    assert.deepEqual(
      view.evidence.map((e) => e.text.slice(0, 12)),
      ["[metrics-1] ", "[changes-1] ", "[traces-1] r", "[metrics-2] ", "[logs-1] NEW"],
    );
    const trace = view.evidence.find((e) => e.text.startsWith("[traces-1]"));
    assert.equal(trace?.url, null);
    assert.match(trace?.text ?? "", /\(4bf92f3577b34da6a3ce929d0e0e4736\)$/);
    assert.equal(view.supersedes, null);
    assert.equal(view.fullReport, "https://sluice.example.com/incidents/1");
  });

  it("says which version it supersedes, and abstains without a confidence", () => {
    const view = investigationView(sampleInvestigation({ outcome: "abstained", reason: "not-decisive", version: 3 }, 2), null);
    assert.match(view.supersedes ?? "", /^Supersedes version 2/);
    assert.equal(view.confidence, null);
    assert.match(view.headline, /^No hypothesis: the evidence is not decisive\. Candidates: payments 82%/);
    assert.equal(view.fullReport, "GET /api/incidents/INC-42/investigation?version=3");
  });

  it("never makes a link of a javascript: or other non-http URL", () => {
    const delivery = sampleInvestigation({
      actions: [{ kind: "runbook", text: "click", link: "javascript:alert(1)", evidence: [] }],
    });
    const [action] = investigationView(delivery, null).actions;
    assert.equal(action?.url, null);
  });
});

describe("investigationPlainText", () => {
  it("has every section in order when it fits", () => {
    const text = investigationPlainText(investigationView(sampleInvestigation({}, 1), null), 25_000);
    const order = [
      "Supersedes version 1",
      "Hypothesis:",
      "Confidence: 82%",
      "Evidence:",
      "Steps executed:",
      "Recommended actions:",
      "Root cause:",
    ];
    const positions = order.map((heading) => text.indexOf(heading));
    assert.ok(
      positions.every((p) => p >= 0),
      JSON.stringify(positions),
    );
    assert.deepEqual(
      [...positions].sort((a, b) => a - b),
      positions,
    );
    assert.match(text, /1\. changes: changes of payments, checkout/);
    assert.match(text, /https:\/\/github\.com\/acme\/payments\/compare\/a1b2c3d\.\.\.e4f5a6b/);
  });

  it("shortens its lists within the limit, says so, and keeps the root cause", () => {
    for (const limit of [4000, 25_000]) {
      const text = investigationPlainText(investigationView(hugeInvestigation(), null), limit);
      assert.ok(text.length <= limit, `${text.length} > ${limit}`);
      assert.match(text, /more evidence items not shown \(platform limit\); the full report: GET \/api\/incidents\/INC-42/);
      assert.match(text, /Root cause: payments/);
    }
  });

  it("measures in bytes when asked", () => {
    const text = investigationPlainText(investigationView(hugeInvestigation(), null), 3000, (t) => Buffer.byteLength(t));
    assert.ok(Buffer.byteLength(text) <= 3000, String(Buffer.byteLength(text)));
  });
});

describe("clipText", () => {
  it("marks a cut and never splits a surrogate pair", () => {
    assert.equal(clipText("short", 10), "short");
    const cut = clipText(`${"a".repeat(21)}${"😀".repeat(20)}`, 36);
    assert.ok(cut.endsWith(" … [truncated]"));
    assert.ok(cut.length <= 36);
    assert.doesNotMatch(cut, /[\ud800-\udbff](?![\udc00-\udfff])/);
  });
});
