import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hugeInvestigation, sampleInvestigation } from "../../testing/investigation-fixture.ts";
import { investigationMessage } from "./investigation-blocks.ts";
import type { SlackBlock } from "./transform.ts";

function textOf(block: SlackBlock): string {
  if ("text" in block) return block.text.text;
  if ("elements" in block) return block.elements.map((e) => ("text" in e ? String(e.text) : "")).join(" ");
  return "";
}

describe("Slack investigation message", () => {
  it("has a header, the hypothesis, linked evidence, steps, actions, the root cause and a fallback text", () => {
    const message = investigationMessage(sampleInvestigation({ version: 2 }, 1), "https://sluice.example.com/incidents/1");
    const blocks = message.blocks ?? [];
    assert.equal(blocks[0]?.type, "header");
    assert.match(textOf(blocks[1] as SlackBlock), /^Supersedes version 1/);
    assert.match(
      textOf(blocks[2] as SlackBlock),
      /^\*Hypothesis: payments is the likely root cause[^*]*\*\nConfidence: \*82%\*$/,
    );
    const all = blocks.map(textOf).join("\n");
    assert.match(
      all,
      /\*Evidence\*\n• \[metrics-1\] payments 5xx ratio[^\n]*<https:\/\/prometheus\.example\.com\/graph\?g0\.expr=sum\(rate\(x%7Cy\[5m\]\)\)&g0\.range_input=2h\|open>/,
    );
    assert.match(all, /\*Steps executed\*\n1\. changes: /);
    assert.match(all, /\*Recommended actions\*\n1\. Roll back payments deploy v2\.4\.0/);
    assert.match(all, /\*Root cause\*\npayments/);
    assert.match(all, /<https:\/\/sluice\.example\.com\/incidents\/1\|Full report in Sluice>/);
    assert.match(message.text, /^Sluice investigation of INC-42 \(version 2, opened\)\. Supersedes version 1/);
  });

  it("keeps mrkdwn from report text inert", () => {
    const delivery = sampleInvestigation({ rootCause: "<!channel> see <https://evil.example|here>" });
    const all = (investigationMessage(delivery, null).blocks ?? []).map(textOf).join("\n");
    assert.doesNotMatch(all, /<!channel>|<https:\/\/evil/);
    assert.match(all, /&lt;!channel&gt;/);
  });

  it("respects Block Kit's limits with a huge report: 50 blocks, 3 000 characters a section, 150 a header", () => {
    const message = investigationMessage(hugeInvestigation(), null);
    const blocks = message.blocks ?? [];
    assert.ok(blocks.length <= 50, String(blocks.length));
    for (const block of blocks) {
      const limit = block.type === "header" ? 150 : 3000;
      assert.ok(textOf(block).length <= limit, `${block.type}: ${textOf(block).length}`);
    }
    assert.ok(message.text.length <= 3000);
    assert.match(blocks.map(textOf).join("\n"), /more evidence items not shown \(platform limit\)/);
  });
});
