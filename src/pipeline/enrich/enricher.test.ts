import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildSignal } from "../normalize/build-signal.ts";
import { Enricher, type EnrichTarget } from "./enricher.ts";

const signal = buildSignal(
  { receivedAt: 0, source: "api" },
  { sourceId: "s-1", kind: "anomaly", service: "payments", title: "t", severity: "high" },
);
const target: EnrichTarget = {
  incidentId: "inc-1",
  tenant: "acme",
  service: "payments",
  environment: "production",
  errorPattern: "timeout",
  title: "t",
  summary: "s",
  firstSeenAt: 0,
  signal,
  now: 0,
};

describe("Enricher", () => {
  it("merges what every step returns and names the steps that failed or were too slow", async () => {
    const counted: string[] = [];
    const failures: string[] = [];
    const enricher = new Enricher(
      [
        {
          name: "catalog",
          enrich: () => ({
            owner: {
              service: "payments",
              team: "pay",
              tier: null,
              runbookUrl: null,
              dashboards: [],
              escalation: null,
              source: "c.yaml",
            },
          }),
        },
        { name: "changes", enrich: async () => ({ changes: [] }) },
        { name: "similar", enrich: () => new Promise(() => {}) },
        {
          name: "traces",
          enrich: () => {
            throw new Error("store down");
          },
        },
      ],
      {
        timeoutMs: 30,
        count: (provider, outcome) => counted.push(`${provider}:${outcome}`),
        onFailure: (provider) => failures.push(provider),
      },
    );
    const started = Date.now();
    const context = await enricher.enrich(target);
    assert.ok(Date.now() - started < 1000, "a hanging step must not hold the ticket");
    assert.equal(context.owner?.team, "pay");
    assert.deepEqual(context.changes, []);
    assert.deepEqual(context.degraded, ["similar", "traces"]);
    assert.deepEqual(counted.sort(), ["catalog:ok", "changes:ok", "similar:timeout", "traces:failed"]);
    assert.deepEqual(failures, ["traces"]);
  });

  it("leaves `degraded` out when every step worked", async () => {
    const context = await new Enricher([{ name: "a", enrich: () => ({}) }], { timeoutMs: 50 }).enrich(target);
    assert.deepEqual(context, {});
  });

  it("in an incident storm runs only the essential steps and names the skipped ones", async () => {
    const counted: string[] = [];
    const enricher = new Enricher(
      [
        { name: "catalog", essential: true, enrich: () => ({ destinations: { jira: { projectKey: "PAY" } } }) },
        { name: "similar", enrich: () => ({ similar: [] }) },
      ],
      { timeoutMs: 50, count: (provider, outcome) => counted.push(`${provider}:${outcome}`) },
    );
    const context = await enricher.enrich(target, { essentialOnly: true });
    assert.deepEqual(context, { destinations: { jira: { projectKey: "PAY" } }, degraded: ["similar"] });
    assert.deepEqual(counted.sort(), ["catalog:ok", "similar:skipped"]);
  });
});
