import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hugeInvestigation, sampleInvestigation } from "../../testing/investigation-fixture.ts";
import { investigationCard } from "./investigation-card.ts";

describe("Teams investigation card", () => {
  it("is an Adaptive Card with the hypothesis, confidence and root cause as facts, and linked evidence", () => {
    const message = investigationCard(sampleInvestigation({ version: 2 }, 1), "https://sluice.example.com/incidents/1");
    const card = message.attachments[0].content;
    assert.equal(card.version, "1.5");
    const json = JSON.stringify(card.body);
    assert.match(json, /"text":"Sluice investigation of INC-42 \(version 2, opened\)"/);
    assert.match(json, /Supersedes version 1/);
    assert.match(json, /\{"title":"Confidence","value":"82%"\},\{"title":"Root cause","value":"payments/);
    assert.match(json, /\[open\]\(https:\/\/github\.com\/acme\/payments\/compare\/a1b2c3d\.\.\.e4f5a6b\)/);
    assert.match(json, /"text":"1\. changes: [^"]*\\r2\. metrics: /);
    assert.deepEqual(card.actions, [
      { type: "Action.OpenUrl", title: "Full report in Sluice", url: "https://sluice.example.com/incidents/1" },
    ]);
  });

  it("keeps Markdown links in report text inert and stays under Teams' message size", () => {
    const delivery = sampleInvestigation({ rootCause: "[docs](https://evil.example)" });
    assert.doesNotMatch(JSON.stringify(investigationCard(delivery, null)), /\[docs\]\(https:\/\/evil/);
    const huge = JSON.stringify(investigationCard(hugeInvestigation(), null));
    assert.ok(Buffer.byteLength(huge) <= 24_000, String(Buffer.byteLength(huge)));
    assert.match(huge, /not shown \(platform limit\)/);
  });
});
