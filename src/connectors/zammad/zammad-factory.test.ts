import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { systemClock } from "../../core/clock.ts";
import { DEFAULT_PRIORITIES } from "./transform.ts";
import { zammadFactory, zammadSettings } from "./zammad-factory.ts";

const deps = { http: fetch, clock: systemClock, timeoutMs: 1000 };
const BLOCK = {
  enabled: true,
  baseUrl: "https://zammad.example.com/",
  token: "t0ken",
  group: "Users",
  customer: "guess:sluice@example.com",
};

function problems(input: unknown): string[] {
  const parsed = zammadFactory.configSchema.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join(".") || "(zammad)"}: ${issue.message}`);
}

describe("zammad config", () => {
  it("is off when the block is absent, and a disabled block needs nothing", () => {
    assert.equal(zammadFactory.isEnabled(zammadFactory.configSchema.parse(undefined)), false);
    assert.deepEqual(problems({ enabled: false }), []);
  });

  it("derives the API base URL, merges priorities and builds the connector", () => {
    const config = zammadFactory.configSchema.parse({ ...BLOCK, priorities: { critical: "4 very high" } });
    const settings = zammadSettings(config);
    assert.equal(settings.baseUrl, "https://zammad.example.com");
    assert.equal(settings.apiBaseUrl, "https://zammad.example.com/api/v1");
    assert.deepEqual(settings.auth, { kind: "token", token: "t0ken" });
    assert.deepEqual(settings.priorities, { ...DEFAULT_PRIORITIES, critical: "4 very high" });
    assert.deepEqual(settings.tags, ["sluice"]);
    assert.equal(zammadFactory.create(config, deps).platform, "zammad");
    const oauth = zammadSettings(
      zammadFactory.configSchema.parse({ ...BLOCK, token: undefined, oauthToken: "o", apiBaseUrl: "http://127.0.0.1:4010/" }),
    );
    assert.deepEqual(oauth.auth, { kind: "oauth", token: "o" });
    assert.equal(oauth.apiBaseUrl, "http://127.0.0.1:4010");
  });

  it("explains what an enabled block is missing", () => {
    assert.deepEqual(problems({ enabled: true, token: "t" }), [
      "baseUrl: baseUrl is required when zammad is enabled",
      "group: group is required when zammad is enabled",
      "customer: customer is required when zammad is enabled (e.g. guess:sluice@example.com)",
    ]);
    assert.deepEqual(problems({ ...BLOCK, token: undefined }), [
      "(zammad): zammad is enabled but has no credentials: set token (or oauthToken)",
    ]);
    assert.match(problems({ ...BLOCK, oauthToken: "o" })[0] ?? "", /^oauthToken: set either/);
    assert.match(problems({ ...BLOCK, tags: ["a,b"] })[0] ?? "", /^tags.0: a tag cannot contain a comma/);
    assert.match(problems({ ...BLOCK, templates: { body: "{% if %}" } })[0] ?? "", /^templates.body: not a valid Liquid/);
    assert.equal(problems({ ...BLOCK, priorities: { urgent: "x" } }).length, 1);
  });

  it("marks both tokens as secrets and never echoes them", () => {
    assert.deepEqual([...zammadFactory.secretFields].sort(), ["oauthToken", "token", "webhookSecret"]);
    const text = JSON.stringify(problems({ ...BLOCK, token: "SECRETTOKEN", oauthToken: "SECRETOAUTH", baseUrl: 7 }));
    assert.ok(!text.includes("SECRET"), text);
  });
});
