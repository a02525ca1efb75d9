import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { IncidentContext } from "../core/enrichment.ts";
import { sampleIncident } from "../testing/connector-contract-suite.ts";
import { renderContext } from "./ticket-context.ts";
import { compileTemplates, renderTicketText } from "./ticket-text.ts";

const context: IncidentContext = {
  owner: {
    service: "payments",
    team: "payments-team",
    tier: "1",
    runbookUrl: "https://runbooks.example/payments",
    dashboards: [{ title: "Payments RED", url: "https://grafana.example/d/pay" }],
    escalation: null,
    source: "catalog.yaml",
  },
  trace: {
    traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
    rootCause: { service: "postgres payments", operation: "SELECT", errorMessage: "connection refused" },
    blastRadius: [
      { service: "checkout", share: 1 },
      { service: "frontend", share: 0.4 },
    ],
    timeline: [
      { service: "frontend", operation: "GET /buy", startOffsetMs: 0, durationMs: 42, error: true, errorMessage: null, depth: 0 },
      {
        service: "checkout",
        operation: "POST /pay",
        startOffsetMs: 3,
        durationMs: 35,
        error: true,
        errorMessage: null,
        depth: 1,
      },
      {
        service: "payments",
        operation: "SELECT",
        startOffsetMs: 5,
        durationMs: 30,
        error: true,
        errorMessage: "connection refused",
        depth: 2,
      },
    ],
  },
  changes: [
    {
      id: "c1",
      service: "payments",
      kind: "deploy",
      summary: "raise pool size",
      at: Date.UTC(2026, 10, 24, 1, 0, 0),
      version: "v1.4.2",
      author: "ana",
      url: null,
      relation: "service",
    },
  ],
  similar: [
    {
      key: "INC-7",
      title: "payments: pool exhausted",
      service: "payments",
      resolvedAt: 1,
      resolution: "resolved by ana after 12 min: rolled back",
      score: 3.2,
    },
  ],
  affectedUsers: { count: 1000, capped: true, sample: ["u-1", "u-2"] },
  degraded: ["similar"],
};

describe("renderContext", () => {
  it("writes every part a responder needs, in order", () => {
    const text = renderContext(context);
    const order = [
      "Owner: payments-team (tier 1)",
      "Runbook: https://runbooks.example/payments",
      "Root cause candidate: postgres payments (SELECT): connection refused",
      "Blast radius: checkout (100% of its traffic), frontend (40% of its traffic)",
      "Request timeline (trace 4bf92f3577b34da6a3ce929d0e0e4736):",
      "Recent changes:",
      "deploy of payments v1.4.2 by ana: raise pool size",
      "Similar past incidents:",
      "INC-7 payments: pool exhausted (payments): resolved by ana after 12 min: rolled back",
      "Affected users: 1000+",
      "Not available this time: similar",
    ];
    let at = -1;
    for (const part of order) {
      const found = text.indexOf(part);
      assert.ok(found > at, `"${part}" missing or out of order in:\n${text}`);
      at = found;
    }
    // Nesting shows who called whom.
    assert.match(text, /\+5ms {5}payments SELECT \(30ms\) ERROR: connection refused/);
  });

  it("counts hashed affected users without listing their hashes as examples", () => {
    const users = (sample: string[]) => renderContext({ affectedUsers: { count: 3, capped: false, sample } });
    assert.equal(users(["u:3f9a0c51d2e84b7a6c10", "u:9b1e77d0a4c2f5e83d61"]), "Affected users: 3");
    assert.equal(users(["u:3f9a0c51d2e84b7a6c10", "cust-7"]), "Affected users: 3 (e.g. cust-7)");
  });

  it("is empty when nothing was learned, so the ticket has no empty headings", () => {
    assert.equal(renderContext({}), "");
    assert.equal(renderContext(undefined), "");
  });

  it("goes into the default ticket body", () => {
    const { body } = renderTicketText(compileTemplates(), {
      incident: sampleIncident({ context }),
      detail: "",
      incidentUrl: null,
      action: "create",
    });
    assert.match(body, /Routed by: .*\n\nOwner: payments-team/);
    assert.match(body, /Affected users: 1000\+/);
    const plain = renderTicketText(compileTemplates(), {
      incident: sampleIncident(),
      detail: "",
      incidentUrl: null,
      action: "create",
    });
    assert.doesNotMatch(plain.body, /Owner:|Root cause/);
  });
});
