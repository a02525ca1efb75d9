import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { systemClock } from "../../core/clock.ts";
import { teamsFactory } from "./teams-factory.ts";

const deps = { http: fetch, clock: systemClock, timeoutMs: 1000 };
const HOOK = "https://prod-00.westeurope.logic.azure.com/workflows/x/triggers/manual/paths/invoke?sig=SECRETSIG";

function problems(input: unknown): string[] {
  const parsed = teamsFactory.configSchema.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join(".") || "(teams)"}: ${issue.message}`);
}

describe("teams config", () => {
  it("is off when the block is absent, and a disabled block needs nothing", () => {
    assert.equal(teamsFactory.isEnabled(teamsFactory.configSchema.parse(undefined)), false);
    assert.deepEqual(problems({ enabled: false }), []);
  });

  it("builds the connector from an enabled block", () => {
    const config = teamsFactory.configSchema.parse({
      enabled: true,
      webhookUrl: HOOK,
      templates: { title: "{{ incident.key }}" },
    });
    assert.equal(teamsFactory.create(config, deps).platform, "teams");
  });

  it("requires an https webhookUrl, refuses unknown keys and broken templates", () => {
    assert.deepEqual(problems({ enabled: true }), ["webhookUrl: webhookUrl is required when teams is enabled"]);
    assert.match(problems({ enabled: true, webhookUrl: "http://example.com/x" })[0] ?? "", /^webhookUrl: must be an https URL/);
    assert.equal(problems({ enabled: true, webhookUrl: HOOK, url: HOOK }).length, 1);
    assert.match(
      problems({ enabled: true, webhookUrl: HOOK, templates: { body: "{% if %}" } })[0] ?? "",
      /^templates.body: not a valid Liquid/,
    );
  });

  it("marks the webhook URL as a secret and never echoes it", () => {
    assert.deepEqual([...teamsFactory.secretFields], ["webhookUrl"]);
    const text = JSON.stringify(problems({ enabled: true, webhookUrl: "ftp://SECRET" }));
    assert.ok(!text.includes("SECRET"), text);
  });
});
