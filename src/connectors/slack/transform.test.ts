import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { DELIVERY_ACTIONS } from "../../core/delivery.ts";
import { sampleIncident } from "../../testing/connector-contract-suite.ts";
import { escapeMrkdwn, rootMessage, type SlackBlock, threadReply, webhookMessage } from "./transform.ts";

const URL_ = "https://sluice.example.com/incidents/01JHQZ8X6N7V4W3Y2T1S0R9Q8P";
const KEY = "sluice-01JHQZ8X6N7V4W3Y2T1S0R9Q8P-slack";

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8"));
}

function blockTexts(blocks: SlackBlock[] = []): string[] {
  return blocks.flatMap((block) => {
    if (block.type === "context") return block.elements.map((e) => e.text);
    if (block.type === "actions") return block.elements.map((e) => e.text.text);
    if ("fields" in block) return block.fields.map((f) => f.text);
    return [block.text.text];
  });
}

describe("slack transform", () => {
  it("root message matches fixtures/root-message.json, with the lifecycle buttons", () => {
    assert.deepEqual(rootMessage(sampleIncident(), URL_, KEY), fixture("root-message.json"));
  });

  it("root message of a resolved incident without a public URL matches fixtures/root-message-resolved.json (no buttons)", () => {
    assert.deepEqual(
      rootMessage(sampleIncident({ state: "resolved", signalCount: 23 }), null, KEY),
      fixture("root-message-resolved.json"),
    );
  });

  it("offers Resolve and Escalate but no second Acknowledge once acknowledged; no buttons without a value", () => {
    const actions = (message: ReturnType<typeof rootMessage>) =>
      (message.blocks ?? []).flatMap((block) => (block.type === "actions" ? block.elements.map((e) => e.action_id) : []));
    assert.deepEqual(actions(rootMessage(sampleIncident({ state: "escalated" }), null, KEY)), [
      "sluice_acknowledge",
      "sluice_resolve",
      "sluice_escalate",
    ]);
    assert.deepEqual(actions(rootMessage(sampleIncident({ state: "acknowledged" }), null, KEY)), [
      "sluice_resolve",
      "sluice_escalate",
    ]);
    assert.deepEqual(actions(rootMessage(sampleIncident(), null)), []);
  });

  it("escalation reply matches fixtures/thread-escalate.json", () => {
    const incident = sampleIncident({ state: "escalated", escalationLevel: 2 });
    assert.deepEqual(
      threadReply("escalate", incident, "Unacknowledged for 15m; paging the payments secondary."),
      fixture("thread-escalate.json"),
    );
  });

  it("incoming-webhook acknowledge matches fixtures/webhook-acknowledge.json", () => {
    const incident = sampleIncident({ state: "acknowledged" });
    assert.deepEqual(
      webhookMessage("acknowledge", incident, "On it — <@U123> & team\nsecond line", URL_),
      fixture("webhook-acknowledge.json"),
    );
  });

  it("incoming-webhook create is the root message", () => {
    // Without buttons: an incoming webhook's message cannot be edited after a click.
    assert.deepEqual(webhookMessage("create", sampleIncident(), "", URL_), rootMessage(sampleIncident(), URL_));
  });

  it("every action has its own reply headline", () => {
    const lines = DELIVERY_ACTIONS.map((action) => threadReply(action, sampleIncident(), "").text.split("\n")[0]);
    assert.equal(new Set(lines).size, DELIVERY_ACTIONS.length);
  });

  it("keeps mentions and links from incident text inert", () => {
    const incident = sampleIncident({ title: "<!channel> see <https://evil.example|docs>", summary: "a & b > c" });
    const message = rootMessage(incident, null);
    // The header is plain_text, which Slack never parses for mentions or links.
    const mrkdwn = (message.blocks ?? []).slice(1);
    const texts = [message.text, ...blockTexts(mrkdwn).filter((t) => !t.startsWith("First seen"))];
    for (const text of texts) assert.ok(!/<[!@h]/.test(text), text);
    assert.ok(blockTexts(message.blocks).includes("*Summary*\na &amp; b &gt; c"));
    assert.equal(escapeMrkdwn("<&>"), "&lt;&amp;&gt;");
  });

  it("stays inside Block Kit length limits", () => {
    const incident = sampleIncident({ title: "x".repeat(500), summary: "y".repeat(10_000) });
    const message = rootMessage(incident, URL_);
    const header = message.blocks?.[0];
    assert.ok(header?.type === "header" && header.text.text.length <= 150);
    for (const text of blockTexts(message.blocks)) assert.ok(text.length <= 3000, `${text.length}`);
    assert.ok(threadReply("comment", incident, "z".repeat(10_000)).text.length <= 3000);
  });

  it("does not cut an escape sequence in half when truncating", () => {
    const summary = `${"a".repeat(2985)}&&&&&&&&&&&&&&&&`;
    const text = blockTexts(rootMessage(sampleIncident({ summary }), null).blocks).find((t) => t.startsWith("*Summary*")) ?? "";
    assert.ok(text.endsWith("…") && text.length <= 3000);
    assert.doesNotMatch(text, /&[a-z]*…$/);
  });
});
