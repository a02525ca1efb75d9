import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import type { DeliveryAction } from "../../core/delivery.ts";
import type { Incident } from "../../core/incident.ts";
import { sampleIncident } from "../../testing/connector-contract-suite.ts";
import { compileTemplates, renderTicketText } from "../ticket-text.ts";
import {
  eventActionFor,
  eventProblem,
  noteContent,
  type PagerDutyEvent,
  pagerDutyEvent,
  pagerDutySeverity,
} from "./transform.ts";

const URL_ = "https://sluice.example.com/incidents/01JHQZ8X6N7V4W3Y2T1S0R9Q8P";
const KEY = "01JHQZ8X6N7V4W3Y2T1S0R9Q8P:pagerduty";
const ROUTING_KEY = "0123456789abcdef0123456789abcdef";
const compiled = compileTemplates();

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8"));
}

function event(action: DeliveryAction, incident: Incident, detail: string, incidentUrl: string | null): PagerDutyEvent | null {
  return pagerDutyEvent(action, {
    incident,
    detail,
    incidentUrl,
    dedupKey: KEY,
    routingKey: ROUTING_KEY,
    text: renderTicketText(compiled, { incident, detail, incidentUrl, action }),
  });
}

describe("pagerduty transform", () => {
  it("create is a trigger matching fixtures/trigger-create.json", () => {
    assert.deepEqual(event("create", sampleIncident(), "", URL_), fixture("trigger-create.json"));
  });

  it("escalate re-triggers with the updated payload (fixtures/trigger-escalate.json)", () => {
    const incident = sampleIncident({ state: "escalated", escalationLevel: 2, severity: "high", priority: "P2" });
    assert.deepEqual(event("escalate", incident, "Unacknowledged for 15m.", null), fixture("trigger-escalate.json"));
  });

  it("resolve carries only the routing and dedup keys (fixtures/resolve.json)", () => {
    assert.deepEqual(event("resolve", sampleIncident({ state: "resolved" }), "fixed", URL_), fixture("resolve.json"));
  });

  it("maps lifecycle steps onto the three event actions; comments are notes, not events", () => {
    assert.deepEqual(
      (["create", "update", "acknowledge", "resolve", "escalate", "reopen", "comment"] as const).map(eventActionFor),
      ["trigger", "trigger", "acknowledge", "resolve", "trigger", "trigger", null],
    );
    assert.equal(event("comment", sampleIncident(), "x", null), null);
  });

  it("maps severities as PagerDuty names them", () => {
    assert.deepEqual((["critical", "high", "medium", "low", "info"] as const).map(pagerDutySeverity), [
      "critical",
      "error",
      "warning",
      "info",
      "info",
    ]);
  });

  it("keeps the summary within PagerDuty's 1024 characters", () => {
    const long = event("create", sampleIncident({ title: "x".repeat(3000) }), "", null);
    assert.ok(long?.payload && long.payload.summary.length <= 1024);
  });

  it("refuses a trigger without payload and an acknowledge or resolve without dedup_key", () => {
    const trigger = event("create", sampleIncident(), "", null);
    assert.ok(trigger);
    assert.equal(eventProblem(trigger), undefined);
    const { payload: _payload, ...bare } = trigger;
    assert.equal(eventProblem(bare), "a trigger event needs a payload");
    assert.ok(trigger.payload);
    assert.match(eventProblem({ ...trigger, payload: { ...trigger.payload, source: " " } }) ?? "", /payload\.source/);
    for (const action of ["acknowledge", "resolve"] as const) {
      assert.match(eventProblem({ routing_key: ROUTING_KEY, event_action: action }) ?? "", /needs the dedup_key/);
      assert.match(eventProblem({ routing_key: ROUTING_KEY, event_action: action, dedup_key: "" }) ?? "", /needs the dedup_key/);
      assert.equal(eventProblem({ routing_key: ROUTING_KEY, event_action: action, dedup_key: KEY }), undefined);
    }
    assert.match(eventProblem({ ...trigger, dedup_key: "k".repeat(256) }) ?? "", /longer than 255/);
    assert.match(eventProblem({ ...trigger, routing_key: "" }) ?? "", /routing_key/);
  });

  it("writes a note headline per change", () => {
    assert.equal(noteContent("comment", sampleIncident(), " on it "), "Note in Sluice (INC-42): on it");
    assert.equal(noteContent("escalate", sampleIncident(), ""), "Escalated in Sluice (INC-42)");
  });
});
