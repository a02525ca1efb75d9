import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { MatchFacts } from "../../core/matcher.ts";
import { type RouteOwner, type RoutingTable, route } from "./route.ts";

const table: RoutingTable = {
  bySeverity: { critical: ["pagerduty", "slack", "jira"], high: ["jira", "slack"] },
  rules: [
    { name: "payments-pages", match: { team: "payments" }, platforms: ["pagerduty", "slack"] },
    { name: "tier-1-everywhere", match: { tier: ["1", "0"] }, platforms: ["opsgenie", "jira"] },
    { name: "staging-quiet", match: { environment: "staging" }, platforms: ["slack"] },
  ],
};
const owners: Record<string, RouteOwner> = {
  checkout: { team: "payments", tier: "1" },
  search: { team: "discovery", tier: "1" },
  wiki: { team: "docs", tier: null },
};
const ownerOf = (service: string) => owners[service];
const all = () => true;

function facts(service: string, extra: Partial<MatchFacts> = {}): MatchFacts {
  return { service, environment: "production", tenant: "default", severity: "high", labels: {}, ...extra };
}

describe("route with the service catalog's owner", () => {
  it("routes by the owner's team and records that ownership decided it", () => {
    const decision = route(facts("checkout"), table, all, ownerOf);
    assert.deepEqual(decision.platforms, ["pagerduty", "slack"]);
    assert.equal(decision.rule, "rule:payments-pages (owner: team payments, tier 1, from the service catalog)");
  });

  it("matches the owner's tier", () => {
    const decision = route(facts("search"), table, all, ownerOf);
    assert.deepEqual(decision.platforms, ["opsgenie", "jira"]);
    assert.match(decision.rule, /^rule:tier-1-everywhere \(owner: team discovery, tier 1/);
  });

  it("does not credit ownership for a rule that does not look at team or tier", () => {
    const decision = route(facts("wiki", { environment: "staging" }), table, all, ownerOf);
    assert.deepEqual(decision, { platforms: ["slack"], rule: "rule:staging-quiet", unavailable: [] });
  });

  it("matches a label named like an Object property only when the signal has it", () => {
    const odd: RoutingTable = {
      bySeverity: {},
      rules: [{ name: "odd", match: { labels: { constructor: "*" } }, platforms: ["slack"] }],
    };
    assert.deepEqual(route(facts("unknown"), odd, all).platforms, []);
    const labels: Record<string, string> = JSON.parse('{"constructor":"x"}');
    assert.deepEqual(route(facts("unknown", { labels }), odd, all).platforms, ["slack"]);
  });

  it("routes an unknown service as before: by its team label or its severity", () => {
    assert.deepEqual(route(facts("unknown"), table, all, ownerOf), {
      platforms: ["jira", "slack"],
      rule: "severity:high",
      unavailable: [],
    });
    assert.equal(route(facts("unknown", { labels: { team: "payments" } }), table, all, ownerOf).rule, "rule:payments-pages");
    assert.equal(route(facts("checkout"), table, all).rule, "severity:high", "no catalog, no owner");
  });

  it("prefers the catalog's owner over a team label and keeps unavailable platforms apart", () => {
    const decision = route(facts("wiki", { labels: { team: "payments" } }), table, (p) => p !== "pagerduty", ownerOf);
    assert.deepEqual(decision, { platforms: ["jira", "slack"], rule: "severity:high", unavailable: [] });
    const paged = route(facts("checkout"), table, (p) => p !== "pagerduty", ownerOf);
    assert.deepEqual(paged.platforms, ["slack"]);
    assert.deepEqual(paged.unavailable, ["pagerduty"]);
  });
});
