import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { sampleIncident, sampleRequest } from "../../testing/connector-contract-suite.ts";
import { compileTemplates, renderTicketText } from "../ticket-text.ts";
import {
  changeFor,
  createBody,
  customerFields,
  DEFAULT_PRIORITIES,
  idempotencyTag,
  priorityFor,
  type TicketDefaults,
  tagQuery,
  ticketUrl,
} from "./transform.ts";

const DEFAULTS: TicketDefaults = {
  group: "Operations",
  customer: "guess:sluice@example.com",
  priorities: DEFAULT_PRIORITIES,
  tags: ["sluice"],
};

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8"));
}

function text(request: ReturnType<typeof sampleRequest>) {
  return renderTicketText(compileTemplates(), request);
}

describe("zammad transform", () => {
  it("create body matches fixtures/create-ticket.json", () => {
    const request = sampleRequest("create");
    assert.deepEqual(
      createBody(request.incident, text(request), request.idempotencyKey, DEFAULTS),
      fixture("create-ticket.json"),
    );
  });

  it("escalation of a medium incident matches fixtures/escalate-ticket.json", () => {
    const request = sampleRequest("escalate", null, sampleIncident({ severity: "medium", priority: "P3" }));
    const change = changeFor(
      "escalate",
      request.incident,
      { detail: request.detail, body: text(request).body, incidentUrl: request.incidentUrl },
      DEFAULTS,
    );
    assert.deepEqual(change, fixture("escalate-ticket.json"));
  });

  it("maps severity to Zammad's priorities and raises one step per escalation level", () => {
    const at = (severity: "critical" | "medium" | "info", escalationLevel: number) =>
      priorityFor(sampleIncident({ severity, escalationLevel }), DEFAULT_PRIORITIES);
    assert.deepEqual(
      [at("critical", 0), at("medium", 0), at("info", 0), at("info", 1), at("info", 2), at("medium", 1), at("critical", 3)],
      ["3 high", "2 normal", "1 low", "1 low", "2 normal", "3 high", "3 high"],
    );
    assert.equal(priorityFor(sampleIncident(), { ...DEFAULT_PRIORITIES, critical: "4 very high" }), "4 very high");
  });

  it("sets the state for acknowledge, resolve and reopen; updates and comments are articles", () => {
    const note = { detail: "why", body: "current body", incidentUrl: null };
    const kinds = (["acknowledge", "resolve", "reopen", "update", "comment"] as const).map((action) => {
      const change = changeFor(action, sampleIncident(), note, DEFAULTS);
      return change.kind === "ticket" ? `${action}:${change.body.state}` : `${action}:article`;
    });
    assert.deepEqual(kinds, ["acknowledge:open", "resolve:closed", "reopen:open", "update:article", "comment:article"]);
    const update = changeFor("update", sampleIncident(), note, DEFAULTS);
    assert.ok(update.kind === "article" && update.body.internal && update.body.type === "note");
    assert.match(update.body.body, /why\n\ncurrent body/);
  });

  it("sends a guess: customer both ways and a plain one as is", () => {
    assert.deepEqual(customerFields("guess:ops@example.com"), {
      customer: "ops@example.com",
      customer_id: "guess:ops@example.com",
    });
    assert.deepEqual(customerFields("ops@example.com"), { customer: "ops@example.com" });
  });

  it("builds the idempotency tag, its search query and the ticket link", () => {
    assert.equal(idempotencyTag('a,b "c" d'), "a-b-c-d");
    assert.equal(tagQuery("01JH:zammad"), 'tags:"01JH:zammad"');
    assert.equal(ticketUrl("https://zammad.example.com", 17), "https://zammad.example.com/#ticket/zoom/17");
  });

  it("the owner's group from the service catalog replaces the configured group", () => {
    const incident = sampleIncident({ context: { destinations: { zammad: { group: "Payments" } } } });
    const request = sampleRequest("create", null, incident);
    assert.deepEqual(createBody(incident, text(request), request.idempotencyKey, DEFAULTS), {
      ...(fixture("create-ticket.json") as Record<string, unknown>),
      group: "Payments",
    });
  });
});
