import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { sampleIncident } from "../../testing/connector-contract-suite.ts";
import { compileTemplates, renderTicketText } from "../ticket-text.ts";
import { type AlertInput, createAlertBody, escalatedPriority, opsgeniePriority } from "./transform.ts";

const URL_ = "https://sluice.example.com/incidents/01JHQZ8X6N7V4W3Y2T1S0R9Q8P";

function input(overrides: Partial<AlertInput> = {}): AlertInput {
  const incident = sampleIncident();
  return {
    incident,
    alias: "01JHQZ8X6N7V4W3Y2T1S0R9Q8P:opsgenie",
    detail: "",
    incidentUrl: URL_,
    text: renderTicketText(compileTemplates(), { incident, detail: "", incidentUrl: URL_, action: "create" }),
    responders: [{ type: "team", name: "payments" }],
    tags: ["tier-1"],
    ...overrides,
  };
}

describe("opsgenie transform", () => {
  it("create matches fixtures/create-alert.json", () => {
    const expected = JSON.parse(readFileSync(new URL("./fixtures/create-alert.json", import.meta.url), "utf8")) as unknown;
    assert.deepEqual(createAlertBody(input(), "opsgenie"), expected);
  });

  it("JSM Ops carries the same facts as extraProperties", () => {
    const og = createAlertBody(input(), "opsgenie");
    const jsm = createAlertBody(input(), "jsm");
    assert.deepEqual(jsm.extraProperties, og.details);
    assert.equal(jsm.details, undefined);
  });

  it("maps severity to P1..P5 and raises it on escalation, never above P1", () => {
    assert.deepEqual((["critical", "high", "medium", "low", "info"] as const).map(opsgeniePriority), [
      "P1",
      "P2",
      "P3",
      "P4",
      "P5",
    ]);
    assert.equal(escalatedPriority("medium", 1), "P2");
    assert.equal(escalatedPriority("low", 2), "P2");
    assert.equal(escalatedPriority("critical", 3), "P1");
  });

  it("keeps Opsgenie's limits: message 130, 20 tags of 50, string details", () => {
    const long = sampleIncident({ title: "x".repeat(400), errorPattern: "e".repeat(20_000) });
    const body = createAlertBody(
      input({
        incident: long,
        text: { title: "x".repeat(400), body: "b" },
        tags: Array.from({ length: 30 }, (_, i) => `t${i}${"z".repeat(60)}`),
      }),
      "opsgenie",
    );
    assert.equal(body.message.length, 130);
    assert.ok(body.tags.length <= 20 && body.tags.every((t) => t.length <= 50));
    const details = Object.entries(body.details ?? {});
    assert.ok(details.every(([, v]) => typeof v === "string"));
    assert.ok(details.reduce((n, [k, v]) => n + k.length + v.length, 0) <= 8000);
  });

  it("the owner's team from the service catalog replaces the configured team; escalation and schedule stay", () => {
    const expected = JSON.parse(readFileSync(new URL("./fixtures/create-alert.json", import.meta.url), "utf8")) as Record<
      string,
      unknown
    >;
    const incident = sampleIncident({
      context: { destinations: { opsgenie: { team: "payments-core" }, jsm: { team: "0f6a1c7e-payments" } } },
    });
    const responders = [
      { type: "team" as const, name: "sre" },
      { type: "escalation" as const, name: "sre-escalation" },
    ];
    assert.deepEqual(createAlertBody(input({ incident, responders }), "opsgenie"), {
      ...expected,
      responders: [
        { type: "team", name: "payments-core" },
        { type: "escalation", name: "sre-escalation" },
      ],
    });
    const jsm = createAlertBody(input({ incident, responders: [{ type: "schedule", id: "sched-1" }] }), "jsm");
    assert.deepEqual(jsm.responders, [
      { type: "team", id: "0f6a1c7e-payments" },
      { type: "schedule", id: "sched-1" },
    ]);
    const noTeamConfigured = createAlertBody(input({ incident, responders: [] }), "opsgenie");
    assert.deepEqual(noTeamConfigured.responders, [{ type: "team", name: "payments-core" }]);
    assert.deepEqual(
      createAlertBody(input(), "opsgenie").responders,
      [{ type: "team", name: "payments" }],
      "no owner: as configured",
    );
  });
});
