import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { connectorFactories, findFactory } from "./registry.ts";

describe("connector registry", () => {
  it("lists each platform once", () => {
    const names = connectorFactories.map((factory) => factory.platform);
    for (const platform of [
      "memory",
      "webhook",
      "slack",
      "pagerduty",
      "jira",
      "servicenow",
      "zammad",
      "teams",
      "opsgenie",
      "jsm",
    ]) {
      assert.ok(names.includes(platform), `${platform} is registered`);
    }
    assert.equal(new Set(names).size, names.length);
  });

  it("finds a factory by platform name", () => {
    assert.equal(findFactory("slack")?.platform, "slack");
    assert.equal(findFactory("webhook")?.platform, "webhook");
    assert.equal(findFactory("nope"), undefined);
  });

  it("every block parses when absent and is then disabled, except memory", () => {
    for (const factory of connectorFactories) {
      const config = factory.configSchema.parse(undefined);
      assert.equal(factory.isEnabled(config), factory.platform === "memory", factory.platform);
    }
  });
});
