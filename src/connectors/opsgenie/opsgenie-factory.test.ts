import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { jsmFactory } from "./jsm-factory.ts";
import { opsgenieFactory, opsgenieSettings } from "./opsgenie-factory.ts";

function problems(factory: typeof opsgenieFactory | typeof jsmFactory, input: unknown): string[] {
  const parsed = factory.configSchema.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`);
}

describe("opsgenie and jsm config", () => {
  it("keeps the ticketing-agent opsgenie block {enabled, apiKey, region} valid", () => {
    assert.deepEqual(problems(opsgenieFactory, { enabled: true, apiKey: "k", region: "eu" }), []);
    assert.deepEqual(problems(opsgenieFactory, { enabled: false }), []);
    assert.equal(opsgenieFactory.isEnabled(opsgenieFactory.configSchema.parse(undefined)), false);
  });

  it("picks the region's host unless baseUrl overrides it", () => {
    const us = opsgenieSettings(opsgenieFactory.configSchema.parse({ enabled: true, apiKey: "k" }));
    assert.equal(us.baseUrl, "https://api.opsgenie.com");
    const mock = opsgenieSettings(
      opsgenieFactory.configSchema.parse({ enabled: true, apiKey: "k", baseUrl: "http://127.0.0.1:4010/" }),
    );
    assert.equal(mock.baseUrl, "http://127.0.0.1:4010");
  });

  it("explains what an enabled block is missing, without echoing secrets", () => {
    assert.deepEqual(problems(opsgenieFactory, { enabled: true }), [
      "apiKey: apiKey is required when opsgenie is enabled (an API integration key)",
    ]);
    assert.deepEqual(problems(jsmFactory, { enabled: true }), [
      "cloudId: cloudId is required when jsm is enabled (or a baseUrl that includes it)",
      "email: email is required when jsm is enabled (Basic auth)",
      "apiToken: apiToken is required when jsm is enabled (Basic auth)",
    ]);
    assert.match(problems(opsgenieFactory, { enabled: true, apiKey: "k", region: "ap" })[0] ?? "", /^region/);
    const text = JSON.stringify(problems(jsmFactory, { enabled: true, apiToken: ["SECRETVALUE"] }));
    assert.ok(!text.includes("SECRETVALUE"), text);
    assert.deepEqual(opsgenieFactory.secretFields, ["apiKey", "webhookToken"]);
    assert.deepEqual(jsmFactory.secretFields, ["apiToken", "webhookToken"]);
  });

  it("has an inbound side only with a webhookToken, which must be long and is never echoed", () => {
    const clock = { now: () => 0 };
    const token = "a-long-random-webhook-token";
    const plain = opsgenieFactory.configSchema.parse({ enabled: true, apiKey: "k" });
    assert.equal(opsgenieFactory.createSyncHandler?.(plain, { clock }), null);
    const withToken = opsgenieFactory.configSchema.parse({ enabled: true, apiKey: "k", webhookToken: token });
    assert.equal(opsgenieFactory.createSyncHandler?.(withToken, { clock })?.platform, "opsgenie");
    const jsm = jsmFactory.configSchema.parse({
      enabled: true,
      cloudId: "c",
      email: "a@b.co",
      apiToken: "t",
      webhookToken: token,
    });
    assert.equal(jsmFactory.createSyncHandler?.(jsm, { clock })?.platform, "jsm");
    const short = JSON.stringify(problems(opsgenieFactory, { enabled: true, apiKey: "k", webhookToken: "SHORTSECRET" }));
    assert.match(short, /webhookToken: use at least 16/);
    assert.ok(!short.includes("SHORTSECRET"), short);
  });
});
