import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { systemClock } from "../../core/clock.ts";
import { webhookFactory } from "./webhook-factory.ts";

const deps = { http: fetch, clock: systemClock, timeoutMs: 1000 };

function problems(input: unknown): string[] {
  const parsed = webhookFactory.configSchema.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
}

describe("webhook config", () => {
  it("is off when the block is absent", () => {
    const config = webhookFactory.configSchema.parse(undefined);
    assert.equal(webhookFactory.isEnabled(config), false);
  });

  it("needs a url when enabled", () => {
    assert.deepEqual(problems({ enabled: true }), ["url: url is required when webhook is enabled"]);
  });

  it("accepts a complete block and builds the connector", () => {
    const config = webhookFactory.configSchema.parse({
      enabled: true,
      url: "https://hooks.example.com/sluice",
      secret: "0123456789abcdef0123",
      headers: { Authorization: "Bearer x" },
    });
    assert.equal(webhookFactory.isEnabled(config), true);
    assert.equal(webhookFactory.create(config, deps).platform, "webhook");
  });

  it("rejects unknown keys, non-http URLs, short secrets and headers Sluice owns", () => {
    assert.equal(problems({ enabled: true, url: "https://x.example", extra: 1 }).length, 1);
    assert.deepEqual(problems({ enabled: true, url: "ftp://x.example" }), ["url: must be an http or https URL"]);
    assert.match(problems({ enabled: true, url: "https://x.example", secret: "short" })[0] ?? "", /^secret: use at least 16/);
    assert.deepEqual(problems({ enabled: true, url: "https://x.example", headers: { "X-Sluice-Signature": "forged" } }), [
      'headers.X-Sluice-Signature: "X-Sluice-Signature" is set by Sluice and cannot be overridden',
    ]);
  });

  it("marks the URL, the signing key and the headers as secrets", () => {
    assert.deepEqual([...webhookFactory.secretFields].sort(), ["headers", "secret", "url"]);
  });

  it("never echoes a secret value in a validation message", () => {
    const secret = "0123456789abcdef-VERY-SECRET";
    const text = JSON.stringify(problems({ enabled: true, url: `not a url ${secret}`, secret: 42 }));
    assert.ok(!text.includes(secret), text);
  });
});
