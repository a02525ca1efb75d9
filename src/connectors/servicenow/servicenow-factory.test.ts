import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { systemClock } from "../../core/clock.ts";
import { DEFAULT_CLOSE_CODE, servicenowFactory, servicenowSettings } from "./servicenow-factory.ts";

const deps = { http: fetch, clock: systemClock, timeoutMs: 1000 };

function problems(input: unknown): string[] {
  const parsed = servicenowFactory.configSchema.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join(".") || "(servicenow)"}: ${issue.message}`);
}

describe("servicenow config", () => {
  it("is off when the block is absent", () => {
    assert.equal(servicenowFactory.isEnabled(servicenowFactory.configSchema.parse(undefined)), false);
  });

  it("accepts the ticketing-agent shapes unchanged", () => {
    assert.deepEqual(problems({ enabled: false, instance: "acme" }), []);
    assert.deepEqual(problems({ enabled: true, instance: "acme", username: "sluice", password: "pw" }), []);
  });

  it("derives the base URL from the instance, lets baseUrl win, and builds the connector", () => {
    const config = servicenowFactory.configSchema.parse({ enabled: true, instance: "acme", username: "u", password: "p" });
    const settings = servicenowSettings(config);
    assert.equal(settings.baseUrl, "https://acme.service-now.com");
    assert.deepEqual(settings.auth, { kind: "basic", username: "u", password: "p" });
    assert.equal(settings.closeCode, DEFAULT_CLOSE_CODE);
    assert.equal(settings.reopenState, "2");
    assert.equal(servicenowFactory.create(config, deps).platform, "servicenow");
    const proxied = servicenowSettings(
      servicenowFactory.configSchema.parse({
        enabled: true,
        instance: "acme",
        baseUrl: "http://127.0.0.1:4010/",
        token: "t",
        reopenState: "new",
        closeCode: "Solution provided",
      }),
    );
    assert.equal(proxied.baseUrl, "http://127.0.0.1:4010");
    assert.deepEqual(proxied.auth, { kind: "bearer", token: "t" });
    assert.equal(proxied.reopenState, "1");
    assert.equal(proxied.closeCode, "Solution provided");
  });

  it("explains what an enabled block is missing", () => {
    assert.deepEqual(problems({ enabled: true, username: "u", password: "p" }), [
      "instance: set instance (e.g. acme) or baseUrl when servicenow is enabled",
    ]);
    assert.deepEqual(problems({ enabled: true, instance: "acme" }), [
      "(servicenow): servicenow is enabled but has no credentials: set username + password, or token",
    ]);
    assert.deepEqual(problems({ enabled: true, instance: "acme", username: "u" }), [
      "password: username and password go together",
    ]);
    assert.match(
      problems({ enabled: true, instance: "acme", username: "u", password: "p", token: "t" })[0] ?? "",
      /^token: set either/,
    );
    assert.match(
      problems({ enabled: true, instance: "https://acme.service-now.com", token: "t" })[0] ?? "",
      /^instance: the instance name only/,
    );
    assert.match(
      problems({ enabled: true, instance: "acme", token: "t", templates: { title: "{{" } })[0] ?? "",
      /^templates.title: not a valid Liquid/,
    );
    assert.match(
      problems({ enabled: true, instance: "acme", token: "t", closeNotes: "{% if %}" })[0] ?? "",
      /^closeNotes: not a valid Liquid/,
    );
    assert.equal(problems({ enabled: true, instance: "acme", token: "t", apiKey: "x" }).length, 1);
  });

  it("marks password and token as secrets and never echoes them", () => {
    assert.deepEqual([...servicenowFactory.secretFields].sort(), ["password", "token", "webhookToken"]);
    const text = JSON.stringify(problems({ enabled: true, instance: "acme", password: "SECRETPW", token: 5 }));
    assert.ok(!text.includes("SECRETPW"), text);
  });

  it("has an inbound side only with a webhookToken, which must be long and is never echoed", () => {
    const block = { enabled: true, instance: "acme", username: "sluice", password: "pw" };
    const deps = { clock: systemClock };
    assert.equal(servicenowFactory.createSyncHandler?.(servicenowFactory.configSchema.parse(block), deps), null);
    const withToken = servicenowFactory.configSchema.parse({ ...block, webhookToken: "a-long-random-webhook-token" });
    assert.equal(servicenowFactory.createSyncHandler?.(withToken, deps)?.platform, "servicenow");
    const oauth = { enabled: true, instance: "acme", token: "bearer", webhookToken: "a-long-random-webhook-token" };
    assert.match(problems(oauth).join(), /^integrationUser: integrationUser is required with token and webhookToken/);
    assert.deepEqual(problems({ ...oauth, integrationUser: "sluice.oauth" }), []);
    const short = JSON.stringify(problems({ ...block, webhookToken: "SHORTSECRET" }));
    assert.match(short, /webhookToken: use at least 16/);
    assert.ok(!short.includes("SHORTSECRET"), short);
  });
});
