import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { systemClock } from "../../core/clock.ts";
import { DEFAULT_PAGERDUTY_EVENTS_BASE_URL, pagerdutyFactory, pagerdutySettings } from "./pagerduty-factory.ts";

const deps = { http: fetch, clock: systemClock, timeoutMs: 1000 };
const KEY = "0123456789abcdef0123456789abcdef";

function problems(input: unknown): string[] {
  const parsed = pagerdutyFactory.configSchema.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join(".") || "(pagerduty)"}: ${issue.message}`);
}

describe("pagerduty config", () => {
  it("is off when the block is absent", () => {
    assert.equal(pagerdutyFactory.isEnabled(pagerdutyFactory.configSchema.parse(undefined)), false);
  });

  it("accepts the ticketing-agent shape unchanged", () => {
    assert.deepEqual(problems({ enabled: true, routingKey: KEY }), []);
    assert.deepEqual(problems({ enabled: false }), []);
    assert.deepEqual(problems({ enabled: true, routingKey: KEY, apiToken: "t0ken", fromEmail: "oncall@example.com" }), []);
  });

  it("builds settings with default endpoints", () => {
    const config = pagerdutyFactory.configSchema.parse({
      enabled: true,
      routingKey: KEY,
      eventsBaseUrl: "http://127.0.0.1:4010/",
    });
    const settings = pagerdutySettings(config);
    assert.equal(settings.eventsBaseUrl, "http://127.0.0.1:4010");
    assert.equal(settings.apiBaseUrl, "https://api.pagerduty.com");
    assert.equal(
      pagerdutySettings(pagerdutyFactory.configSchema.parse({ enabled: true, routingKey: KEY })).eventsBaseUrl,
      DEFAULT_PAGERDUTY_EVENTS_BASE_URL,
    );
    assert.equal(pagerdutyFactory.create(config, deps).platform, "pagerduty");
  });

  it("explains what an enabled block is missing", () => {
    assert.deepEqual(problems({ enabled: true }), [
      "routingKey: routingKey is required when pagerduty is enabled (the Events API v2 integration key of a service)",
    ]);
    assert.match(problems({ enabled: true, routingKey: KEY, apiToken: "t" })[0] ?? "", /^fromEmail: fromEmail is required/);
    assert.match(
      problems({ enabled: true, routingKey: KEY, templates: { title: "{{ x " } })[0] ?? "",
      /templates\.title: not a valid Liquid/,
    );
    assert.equal(problems({ enabled: true, routingKey: KEY, serviceKey: "old" }).length, 1);
  });

  it("marks keys and the token as secrets and never echoes them", () => {
    assert.deepEqual([...pagerdutyFactory.secretFields].sort(), ["apiToken", "routingKey", "routingKeys", "webhookSecret"]);
    const text = JSON.stringify(problems({ enabled: true, routingKey: 5, apiToken: ["SECRETVALUE"], routingKeys: { a: 7 } }));
    assert.ok(!text.includes("SECRETVALUE"), text);
  });
});
