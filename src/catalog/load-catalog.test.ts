import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadCatalog } from "./load-catalog.ts";

const fixtures = new URL("./fixtures/", import.meta.url).pathname;
const env = { CHECKOUT_PD_KEY: "0123456789abcdef0123456789abcdef" };

describe("Sluice catalog files", () => {
  it("loads every field, resolves an environment reference in the routing key and finds services by alias", () => {
    const { catalog, problems } = loadCatalog({ files: ["services.yaml"], backstage: [] }, env, fixtures);
    assert.deepEqual(problems, []);
    assert.equal(catalog.size, 2);
    const checkout = catalog.lookup("CO");
    assert.equal(checkout?.service, "checkout");
    assert.equal(checkout?.team, "payments");
    assert.equal(checkout?.tier, "1");
    assert.equal(checkout?.runbook, "https://runbooks.example.com/checkout");
    assert.equal(checkout?.escalation, "payments-critical");
    assert.deepEqual(checkout?.destinations, {
      jira: { projectKey: "PAY" },
      servicenow: { assignmentGroup: "Payments L2", configurationItem: "checkout-prod" },
      opsgenie: { team: "payments" },
      jsm: { team: "4d9f0c1e-payments" },
      slack: { channel: "#payments-oncall" },
      pagerduty: { routingKey: "0123456789abcdef0123456789abcdef" },
      zammad: { group: "Payments" },
    });
    assert.deepEqual(catalog.dependenciesOf("checkout-api"), ["cart", "orders-db"]);
    assert.deepEqual(catalog.lookup("search")?.dashboards, [
      { title: "Search latency", url: "https://grafana.example.com/d/search" },
    ]);
    assert.equal(catalog.lookup("unknown"), undefined);
    assert.deepEqual(catalog.dependenciesOf("unknown"), []);
  });

  it("keeps where a service runs in Kubernetes, and refuses a Deployment and a selector together", () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-catalog-"));
    writeFileSync(
      join(dir, "k8s.yaml"),
      [
        "- { service: cart, team: shop, kubernetes: { namespace: shop, deployment: cart } }",
        "- { service: pay, team: pay, kubernetes: { selector: { app.kubernetes.io/name: pay-api } } }",
        "- { service: bad, team: pay, kubernetes: { deployment: bad, selector: { app: bad } } }",
        "- { service: worse, team: pay, kubernetes: { namespace: Not/A/Namespace } }",
      ].join("\n"),
    );
    const { catalog, problems } = loadCatalog({ files: ["k8s.yaml"], backstage: [] }, {}, dir);
    assert.deepEqual(catalog.lookup("cart")?.kubernetes, { namespace: "shop", deployment: "cart" });
    assert.deepEqual(catalog.lookup("pay")?.kubernetes, { selector: { "app.kubernetes.io/name": "pay-api" } });
    assert.deepEqual(
      problems.map((p) => `${p.path.replace(dir, "")} ${p.message}`),
      [
        "/k8s.yaml: services[2] (bad).kubernetes name either a deployment or a selector, not both",
        "/k8s.yaml: services[3] (worse).kubernetes.namespace must be a namespace name",
      ],
    );
  });

  it("names file, entry and field of every problem, and never echoes a secret's value", () => {
    const { catalog, problems } = loadCatalog({ files: ["invalid.yaml"], backstage: [] }, {}, fixtures);
    const file = join(fixtures, "invalid.yaml");
    assert.deepEqual(problems.map((p) => p.path).sort(), [
      `${file}: services[0] (billing).jira.projectKey`,
      `${file}: services[0] (billing).runbook`,
      `${file}: services[1] (ledger).pagerduty.routingKey`,
      `${file}: services[2].service`,
      `${file}: services[3] (notes)`,
    ]);
    assert.match(
      problems.find((p) => p.path.endsWith("ledger).pagerduty.routingKey"))?.message ?? "",
      /LEDGER_PD_KEY is not set/,
    );
    assert.match(problems.find((p) => p.path.endsWith("(notes)"))?.message ?? "", /colour/);
    assert.equal(catalog.size, 0);
  });

  it("reports a file it cannot read, and a document that is not a list", () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-catalog-"));
    writeFileSync(join(dir, "object.yaml"), "service: checkout\nteam: payments\n");
    const { problems } = loadCatalog({ files: ["missing.yaml", "object.yaml"], backstage: [] }, {}, dir);
    assert.deepEqual(
      problems.map((p) => [p.path, p.message.split(" (")[0]]),
      [
        [join(dir, "missing.yaml"), "cannot read catalog file"],
        [join(dir, "object.yaml"), "expected a list of services"],
      ],
    );
  });

  it("flags a service named twice and an alias that is another service's name", () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-catalog-"));
    writeFileSync(
      join(dir, "a.yaml"),
      "- service: checkout\n  team: payments\n- service: cart\n  team: payments\n  aliases: [checkout]\n",
    );
    writeFileSync(join(dir, "b.yaml"), "- service: Checkout\n  team: other\n");
    const { catalog, problems } = loadCatalog({ files: ["a.yaml", "b.yaml"], backstage: [] }, {}, dir);
    assert.equal(problems.length, 2);
    assert.match(problems[0]?.path ?? "", /b\.yaml: services\[0\] \(Checkout\)\.service$/);
    assert.match(problems[0]?.message ?? "", /already defined by .*a\.yaml: services\[0\]/);
    assert.match(problems[1]?.message ?? "", /alias "checkout" is already the name or an alias of service "checkout"/);
    assert.equal(catalog.lookup("checkout")?.team, "payments", "the first definition stays");
  });
});

describe("Backstage catalog-info.yaml import", () => {
  it("maps owner, annotations, links, lifecycle, system and dependsOn of a multi-document file", () => {
    const { catalog, problems, files } = loadCatalog({ files: [], backstage: ["backstage"] }, {}, fixtures);
    assert.deepEqual(problems, []);
    assert.deepEqual(
      files,
      [join(fixtures, "backstage/shop/catalog-info.yaml")],
      "only catalog-info.yaml files are found in a directory",
    );
    assert.deepEqual(
      catalog.entries.map((e) => e.service),
      ["checkout", "cart", "orders-db"],
      "Groups, Systems and APIs are not services",
    );
    const checkout = catalog.lookup("checkout");
    assert.equal(checkout?.team, "payments");
    assert.equal(checkout?.tier, "2");
    assert.equal(checkout?.lifecycle, "production");
    assert.equal(checkout?.system, "shop");
    assert.equal(checkout?.description, "Takes the money.");
    assert.equal(checkout?.runbook, "https://wiki.example.com/checkout/runbook");
    assert.deepEqual(checkout?.dashboards, [{ title: "Checkout overview", url: "https://grafana.example.com/d/checkout" }]);
    assert.deepEqual(checkout?.dependsOn, ["cart", "orders-db"]);
    assert.deepEqual(checkout?.destinations, {
      opsgenie: { team: "payments-og" },
      slack: { channel: "#payments" },
      pagerduty: { routingKey: "abcdefabcdefabcdefabcdefabcdef12" },
      jira: { projectKey: "SHOP" },
      servicenow: { configurationItem: "checkout-bs" },
    });
    assert.deepEqual(checkout?.sources, [`backstage:${join(fixtures, "backstage/shop/catalog-info.yaml")}`]);
    const cart = catalog.lookup("basket");
    assert.equal(cart?.service, "cart");
    assert.equal(cart?.team, "payments", "a component without an owner takes its system's owner");
    assert.equal(cart?.destinations.slack?.channel, "#payments", "the owning group's annotations are defaults");
    assert.equal(catalog.lookup("orders-db")?.team, "dba");
    assert.deepEqual(catalog.dependentsOf("orders-db"), ["checkout"]);
  });

  it("names the document and field of each problem", () => {
    const { catalog, problems } = loadCatalog({ files: [], backstage: ["backstage/broken-catalog-info.yaml"] }, {}, fixtures);
    const file = join(fixtures, "backstage/broken-catalog-info.yaml");
    assert.deepEqual(
      problems.map((p) => p.path),
      [
        `${file}: document 3.metadata.name`,
        `${file}: document 1 (component:orphan).spec.owner`,
        `${file}: document 2 (component:wrong-key).jira.projectKey`,
      ],
    );
    assert.equal(catalog.size, 0);
  });

  it("lets the Sluice file win per field and keeps what only Backstage says", () => {
    const { catalog, problems } = loadCatalog({ files: ["services.yaml"], backstage: ["backstage/shop"] }, env, fixtures);
    assert.deepEqual(problems, []);
    const checkout = catalog.lookup("checkout");
    assert.equal(checkout?.tier, "1");
    assert.equal(checkout?.runbook, "https://runbooks.example.com/checkout");
    assert.equal(checkout?.destinations.jira?.projectKey, "PAY");
    assert.equal(checkout?.destinations.pagerduty?.routingKey, env.CHECKOUT_PD_KEY);
    assert.equal(checkout?.destinations.servicenow?.configurationItem, "checkout-prod");
    assert.equal(checkout?.description, "Takes the money.", "only Backstage has it");
    assert.equal(checkout?.lifecycle, "production");
    assert.deepEqual(checkout?.dashboards, [{ title: "Checkout overview", url: "https://grafana.example.com/d/checkout" }]);
    assert.deepEqual(checkout?.sources, [
      join(fixtures, "services.yaml"),
      `backstage:${join(fixtures, "backstage/shop/catalog-info.yaml")}`,
    ]);
    assert.equal(catalog.size, 4, "checkout is one entry, not two");
  });
});
