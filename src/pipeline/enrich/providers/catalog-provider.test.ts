import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadCatalog } from "../../../catalog/load-catalog.ts";
import type { Signal } from "../../../core/signal.ts";
import type { EnrichTarget } from "../enricher.ts";
import { catalogProvider } from "./catalog-provider.ts";

const fixtures = new URL("../../../catalog/fixtures/", import.meta.url).pathname;
const env = { CHECKOUT_PD_KEY: "0123456789abcdef0123456789abcdef" };

function target(service: string): EnrichTarget {
  return {
    incidentId: "01J",
    tenant: "default",
    service,
    environment: "production",
    errorPattern: "timeout calling <*>",
    title: "Checkout timeouts",
    summary: "",
    firstSeenAt: 0,
    signal: { service, labels: {} } as unknown as Signal,
    now: 0,
  };
}

describe("catalog enrichment provider", () => {
  const { catalog } = loadCatalog({ files: ["services.yaml"], backstage: ["backstage/shop"] }, env, fixtures);
  const provider = catalogProvider(catalog);

  it("returns the owner and the destinations of a service named by an alias", async () => {
    const context = await provider.enrich(target("checkout-api"));
    assert.equal(provider.name, "catalog");
    assert.deepEqual(context.owner, {
      service: "checkout",
      team: "payments",
      tier: "1",
      runbookUrl: "https://runbooks.example.com/checkout",
      dashboards: [{ title: "Checkout overview", url: "https://grafana.example.com/d/checkout" }],
      escalation: "payments-critical",
      source: `${fixtures}services.yaml`,
    });
    assert.equal(context.destinations?.jira?.projectKey, "PAY");
    assert.equal(context.destinations?.slack?.channel, "#payments-oncall");
    assert.equal(context.destinations?.pagerduty?.routingKey, env.CHECKOUT_PD_KEY);
  });

  it("gives a Backstage-only service its source and no destinations it does not have", async () => {
    const context = await provider.enrich(target("orders-db"));
    assert.equal(context.owner?.team, "dba");
    assert.match(context.owner?.source ?? "", /^backstage:.*catalog-info\.yaml$/);
    assert.equal(context.destinations, undefined);
  });

  it("adds nothing for a service the catalog does not know", async () => {
    assert.deepEqual(await provider.enrich(target("nobody-knows")), {});
  });

  it("hands out copies, so one incident's context cannot change the catalog", async () => {
    const first = await provider.enrich(target("checkout"));
    if (first.destinations?.jira) first.destinations.jira.projectKey = "CHANGED";
    const second = await provider.enrich(target("checkout"));
    assert.equal(second.destinations?.jira?.projectKey, "PAY");
  });

  it("gives an uncatalogued peer from traces the owner of the service that called it", async () => {
    const peer = target("postgresql/orders");
    peer.signal = { service: "postgresql/orders", labels: { caller: "checkout" } } as unknown as Signal;
    const context = await provider.enrich(peer);
    assert.equal(context.owner?.team, "payments");
    assert.deepEqual(await provider.enrich(target("postgresql/orders")), {});
  });
});
