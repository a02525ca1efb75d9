import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { z } from "zod";
import { DestinationCatalog } from "./catalog-destinations.ts";
import type { ConnectorFactory } from "./connector.ts";
import { destinationCatalog } from "./registry.ts";

const KEY = "0WNERKEY0123456789abcdef01234567";

describe("catalog destinations from the registry", () => {
  it("masks the PagerDuty routing key, as its connector declares, and nothing else", () => {
    const masked = destinationCatalog.mask({ pagerduty: { routingKey: KEY }, jira: { projectKey: "PAY" } });
    assert.deepEqual(masked, { pagerduty: { routingKey: "[set]" }, jira: { projectKey: "PAY" } });
  });

  it("describes destinations in platform order, secrets masked", () => {
    const described = destinationCatalog.describe({ pagerduty: { routingKey: KEY }, jira: { projectKey: "PAY" } });
    assert.deepEqual(described, ["jira PAY", "pagerduty (routing key set)"]);
  });

  it("reads each platform's catalog field into its destination", () => {
    const destinations = destinationCatalog.fromEntry({ slackChannel: "#pay", servicenow: { assignmentGroup: "Payments" } });
    assert.deepEqual(destinations, { servicenow: { assignmentGroup: "Payments" }, slack: { channel: "#pay" } });
  });

  it("refuses two platforms claiming one catalog field", () => {
    const claiming = (platform: string): ConnectorFactory => ({
      platform,
      configSchema: z.object({}),
      secretFields: [],
      isEnabled: () => true,
      create: () => {
        throw new Error("not built in this test");
      },
      catalog: { field: "queue", schema: z.string(), toDestination: (queue: string) => ({ queue }), describe: () => "" },
    });
    assert.throws(
      () => new DestinationCatalog([claiming("a"), claiming("b")]),
      /catalog field "queue" is declared by both a and b/,
    );
  });
});
