// A connector is one folder plus one registry line. This one exists only here: given to Sluice as one
// more factory, it brings its config block, its catalog destination (field, schema, Backstage
// annotation) and its secrets, and nothing else in Sluice names it.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import pino from "pino";
import { z } from "zod";
import { parseBackstage } from "../catalog/backstage.ts";
import { parseConfig } from "../config/loader.ts";
import type { SluiceConfig } from "../config/schema.ts";
import type { FieldProblem } from "../core/errors.ts";
import { createSluice } from "../main.ts";
import { anomalyEvent } from "../testing/in-memory-sluice.ts";
import { DestinationCatalog } from "./catalog-destinations.ts";
import type { Connector, ConnectorFactory, DeliveryRequest } from "./connector.ts";
import { connectorFactories } from "./registry.ts";

const QUEUE_TOKEN = "acme-queue-token-5f1d2c9b";

const acmeConfig = z.strictObject({ enabled: z.boolean().default(false), apiKey: z.string().min(1) });

/** What the Acme connector was asked to deliver, with the destination it read from the incident. */
const received: { action: string; destination: unknown }[] = [];

const acmeFactory: ConnectorFactory<typeof acmeConfig> = {
  platform: "acme",
  configSchema: acmeConfig,
  secretFields: ["apiKey"],
  isEnabled: (config) => config.enabled,
  create: (): Connector => ({
    platform: "acme",
    async deliver(request: DeliveryRequest) {
      received.push({ action: request.action, destination: request.incident.context?.destinations?.acme });
      return { kind: "delivered", ticket: { externalId: `ACME-${received.length}`, url: null } };
    },
    testConnection: async () => ({ ok: true, detail: "acme reachable" }),
  }),
  catalog: {
    field: "acmeQueue",
    schema: z.strictObject({ queue: z.string().min(1), token: z.string().min(8) }),
    toDestination: (input: { queue: string; token: string }) => ({ queue: input.queue, token: input.token }),
    annotations: [{ annotation: "acme.example/queue", key: "queue" }],
    secretFields: ["token"],
    describe: (destination) => `acme queue ${destination.queue}`,
  },
};

const factories = [...connectorFactories, acmeFactory];

/** The parsed config plus the Acme block and routing to it (the file schema knows only registered platforms). */
function configWith(catalogFile: string): SluiceConfig {
  const { config } = parseConfig({ catalog: { files: [catalogFile], reloadInterval: 0 } }, {}, process.cwd(), "test");
  const routing = { ...config.routing, critical: ["acme"], high: ["acme"], medium: ["acme"], low: ["acme"] };
  return { ...config, routing, platforms: { ...config.platforms, acme: { enabled: true, apiKey: "acme-api-key" } } };
}

describe("a connector defined only in a test", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-acme-"));
  const catalogFile = join(dir, "services.yaml");
  writeFileSync(
    catalogFile,
    `- service: payments\n  team: payments\n  acmeQueue:\n    queue: PAY-ONCALL\n    token: ${QUEUE_TOKEN}\n`,
  );
  const sluice = await createSluice(configWith(catalogFile), {
    connectorFactories: factories,
    dataDir: ":memory:",
    processMetrics: false,
    logger: pino({ level: "silent" }),
  });
  after(() => sluice.close());

  it("is routed to, and gets the destination the owner's catalog entry picks", async () => {
    const response = await sluice.server.inject({
      method: "POST",
      url: "/api/v1/signals",
      payload: anomalyEvent({ service: "payments" }),
    });
    assert.equal(response.statusCode, 202);
    await sluice.worker.flush();
    assert.deepEqual(received, [{ action: "create", destination: { queue: "PAY-ONCALL", token: QUEUE_TOKEN } }]);
  });

  it("has its catalog secret masked in API output", async () => {
    const response = await sluice.server.inject({ url: "/api/incidents/INC-1" });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json().context.destinations.acme, { queue: "PAY-ONCALL", token: "[set]" });
    assert.ok(!response.body.includes(QUEUE_TOKEN), "the token never appears in the response");
    const list = await sluice.server.inject({ url: "/api/incidents" });
    assert.ok(!list.body.includes(QUEUE_TOKEN));
  });

  it("is refused in a catalog entry by its own schema, and filled from its own Backstage annotation", () => {
    const destinations = new DestinationCatalog(factories);
    const problems: FieldProblem[] = [];
    const [draft] = parseBackstage(
      [
        "kind: Component",
        "metadata:",
        "  name: ledger",
        "  annotations:",
        "    acme.example/queue: LEDGER",
        "spec:",
        "  owner: group:default/finance",
      ].join("\n"),
      "catalog-info.yaml",
      problems,
      destinations,
    );
    // The annotation fills the queue; the schema still wants the token, and says so.
    assert.equal(draft, undefined);
    assert.deepEqual(
      problems.map((p) => p.path),
      ["catalog-info.yaml: document 1 (component:ledger).acmeQueue.token"],
    );
    assert.deepEqual(destinations.describe({ acme: { queue: "PAY", token: QUEUE_TOKEN } }), ["acme queue PAY"]);
  });
});
