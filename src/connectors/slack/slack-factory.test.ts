import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { systemClock } from "../../core/clock.ts";
import { DEFAULT_SLACK_API_BASE_URL, slackFactory, slackSettings } from "./slack-factory.ts";

const deps = { http: fetch, clock: systemClock, timeoutMs: 1000 };
const HOOK = "https://hooks.slack.com/services/T000/B000/XXXX";

function problems(input: unknown): string[] {
  const parsed = slackFactory.configSchema.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join(".") || "(slack)"}: ${issue.message}`);
}

describe("slack config", () => {
  it("is off when the block is absent", () => {
    const config = slackFactory.configSchema.parse(undefined);
    assert.equal(slackFactory.isEnabled(config), false);
  });

  it("accepts a disabled block with nothing else (the ticketing-agent shape)", () => {
    assert.deepEqual(problems({ enabled: false }), []);
  });

  it("selects bot-token mode with the default API base URL", () => {
    const config = slackFactory.configSchema.parse({ enabled: true, botToken: "xoxb-1", channel: "C1" });
    assert.deepEqual(slackSettings(config), {
      mode: "bot",
      botToken: "xoxb-1",
      channel: "C1",
      apiBaseUrl: DEFAULT_SLACK_API_BASE_URL,
    });
    assert.equal(slackFactory.create(config, deps).platform, "slack");
  });

  it("selects incoming-webhook mode", () => {
    const config = slackFactory.configSchema.parse({ enabled: true, webhookUrl: HOOK });
    assert.deepEqual(slackSettings(config), { mode: "webhook", webhookUrl: HOOK });
  });

  it("drops a trailing slash from the API base URL", () => {
    const config = slackFactory.configSchema.parse({
      enabled: true,
      botToken: "t",
      channel: "C1",
      apiBaseUrl: "http://127.0.0.1:4010/",
    });
    const settings = slackSettings(config);
    assert.ok(settings.mode === "bot" && settings.apiBaseUrl === "http://127.0.0.1:4010");
  });

  it("explains every way of not configuring exactly one mode", () => {
    assert.deepEqual(problems({ enabled: true }), [
      "(slack): slack is enabled but has no destination: set webhookUrl (incoming webhook) or botToken and channel",
    ]);
    assert.match(
      problems({ enabled: true, webhookUrl: HOOK, botToken: "t", channel: "C1" })[0] ?? "",
      /^webhookUrl: set either webhookUrl or botToken \+ channel, not both/,
    );
    assert.deepEqual(problems({ enabled: true, botToken: "t" }), [
      "channel: channel is required with botToken (e.g. C0123456789 or #incidents)",
    ]);
    assert.match(
      problems({ enabled: true, webhookUrl: HOOK, channel: "C1" })[0] ?? "",
      /^channel: channel only applies with botToken/,
    );
    assert.match(
      problems({ enabled: true, webhookUrl: "http://hooks.slack.com/x" })[0] ?? "",
      /^webhookUrl: must be an https URL/,
    );
    assert.equal(problems({ enabled: true, botToken: "t", channel: "C1", token: "old-name" }).length, 1);
  });

  it("marks the bot token and the webhook URL as secrets and never echoes them", () => {
    assert.deepEqual([...slackFactory.secretFields].sort(), ["botToken", "signingSecret", "webhookUrl"]);
    const text = JSON.stringify(problems({ enabled: true, webhookUrl: "not-a-url-SECRET", botToken: 5 }));
    assert.ok(!text.includes("SECRET"), text);
  });

  it("has a button endpoint only in bot-token mode with a signingSecret", () => {
    const bot = { enabled: true, botToken: "xoxb-1", channel: "C1" };
    const deps = { clock: systemClock };
    assert.equal(slackFactory.createSyncHandler?.(slackFactory.configSchema.parse(bot), deps), null);
    const signed = slackFactory.configSchema.parse({ ...bot, signingSecret: "8f742231b10e8888abcd99yyyzzz85a5" });
    assert.equal(slackFactory.createSyncHandler?.(signed, deps)?.platform, "slack");
    const hook = problems({ enabled: true, webhookUrl: "https://hooks.slack.com/services/T/B/X", signingSecret: "SIGNSECRET" });
    assert.equal(hook.length, 1);
    assert.match(hook[0] ?? "", /^signingSecret: signingSecret only applies with botToken/);
    assert.ok(!hook.join().includes("SIGNSECRET"));
  });

  it("takes approvers as Slack user ids, and only with a signingSecret", () => {
    const signed = { enabled: true, botToken: "xoxb-1", channel: "C1", signingSecret: "8f742231b10e8888abcd99yyyzzz85a5" };
    assert.deepEqual(slackFactory.configSchema.parse({ ...signed, approvers: ["U0CA5", "W012AB3CD"] }).approvers, [
      "U0CA5",
      "W012AB3CD",
    ]);
    assert.match(problems({ ...signed, approvers: ["amy.mcgee"] })[0] ?? "", /^approvers\.0: must be a Slack user id/);
    assert.match(problems({ ...signed, approvers: [] })[0] ?? "", /^approvers:/);
    const { signingSecret: _, ...unsigned } = signed;
    assert.match(problems({ ...unsigned, approvers: ["U0CA5"] })[0] ?? "", /^approvers: approvers only apply with signingSecret/);
  });
});
