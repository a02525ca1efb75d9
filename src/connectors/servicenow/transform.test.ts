import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { SEVERITIES } from "../../core/signal.ts";
import { sampleIncident, sampleRequest } from "../../testing/connector-contract-suite.ts";
import { compileTemplates, renderTicketText } from "../ticket-text.ts";
import {
  correlationQuery,
  createBody,
  type IncidentDefaults,
  incidentUrl,
  isSysId,
  patchBody,
  priorityOf,
  URGENCY_IMPACT,
  urgencyImpact,
} from "./transform.ts";

const DEFAULTS: IncidentDefaults = {
  assignmentGroup: "287ebd7da9fe198100f92cc8d1d2154e",
  cmdbCi: "281190e3c0a8000b003f593aa3f20ca6",
  callerId: "6816f79cc0a8016401c5a33be04be441",
  category: "software",
  closeCode: "Solved (Permanently)",
  reopenState: "2",
};

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8"));
}

function text(action: Parameters<typeof sampleRequest>[0]) {
  return renderTicketText(compileTemplates(), sampleRequest(action));
}

describe("servicenow transform", () => {
  it("create body matches fixtures/create-incident.json", () => {
    const request = sampleRequest("create");
    assert.deepEqual(
      createBody(request.incident, text("create"), request.idempotencyKey, DEFAULTS),
      fixture("create-incident.json"),
    );
  });

  it("resolve body matches fixtures/resolve-incident.json", () => {
    const request = sampleRequest("resolve");
    const body = patchBody(
      "resolve",
      request.incident,
      { detail: request.detail, body: text("resolve").body, closeNotes: "Alert cleared", incidentUrl: request.incidentUrl },
      DEFAULTS,
    );
    assert.deepEqual(body, fixture("resolve-incident.json"));
  });

  it("maps severity to urgency/impact and ServiceNow's default priority", () => {
    const priorities = SEVERITIES.map((severity) => {
      const { urgency, impact } = URGENCY_IMPACT[severity];
      return `${severity} ${urgency}/${impact} → ${priorityOf(urgency, impact)}`;
    });
    assert.deepEqual(priorities, ["critical 1/1 → 1", "high 1/2 → 2", "medium 2/2 → 3", "low 2/3 → 4", "info 3/3 → 5"]);
    assert.equal(priorityOf("3", "1"), 3);
  });

  it("escalation raises urgency first, then impact, one step per level, and is stable on retry", () => {
    const levels = [0, 1, 2, 3, 4].map((escalationLevel) => urgencyImpact(sampleIncident({ severity: "info", escalationLevel })));
    assert.deepEqual(
      levels.map((l) => `${l.urgency}/${l.impact}`),
      ["3/3", "2/3", "1/3", "1/2", "1/1"],
    );
    assert.deepEqual(urgencyImpact(sampleIncident({ escalationLevel: 5 })), { urgency: "1", impact: "1" });
  });

  it("sets the base-system states and keeps every change as a work note", () => {
    const note = { detail: "why", body: "current body", closeNotes: "", incidentUrl: null };
    const incident = sampleIncident({ severity: "medium", escalationLevel: 1 });
    assert.equal(patchBody("acknowledge", incident, note, DEFAULTS).state, "2");
    assert.equal(patchBody("reopen", incident, note, DEFAULTS).state, "2");
    assert.equal(patchBody("reopen", incident, note, { ...DEFAULTS, reopenState: "1" }).state, "1");
    assert.deepEqual(
      { ...patchBody("escalate", incident, note, DEFAULTS), work_notes: undefined },
      { urgency: "1", impact: "2", work_notes: undefined },
    );
    const resolved = patchBody("resolve", incident, note, DEFAULTS);
    assert.equal(resolved.close_notes, "Resolved in Sluice");
    assert.match(patchBody("update", incident, note, DEFAULTS).work_notes ?? "", /why\n\ncurrent body/);
    assert.deepEqual(Object.keys(patchBody("comment", incident, note, DEFAULTS)), ["work_notes"]);
  });

  it("an escalate takes the policy level's group, urgency and impact, and falls back to one step up", () => {
    const note = { detail: "not acknowledged", body: "", closeNotes: "", incidentUrl: null };
    const incident = sampleIncident({ severity: "low", escalationLevel: 1 });
    const order = { policy: "p", level: 1, group: "Network", impact: 1, urgency: 2 };
    const body = patchBody("escalate", incident, note, DEFAULTS, order);
    assert.deepEqual(
      { ...body, work_notes: undefined },
      { urgency: "2", impact: "1", assignment_group: "Network", work_notes: undefined },
    );
    assert.match(body.work_notes ?? "", /not acknowledged Reassigned to group Network \(level 1 of policy "p"\)/);
    const onlyGroup = patchBody("escalate", incident, note, DEFAULTS, { policy: "p", level: 1, group: "Network" });
    assert.deepEqual([onlyGroup.urgency, onlyGroup.impact], [urgencyImpact(incident).urgency, urgencyImpact(incident).impact]);
    assert.equal("assignment_group" in patchBody("escalate", incident, note, DEFAULTS), false);
    assert.equal(isSysId("287ebd7da9fe198100f92cc8d1d2154e"), true);
    assert.equal(isSysId("Network"), false);
  });

  it("stays within the base-system field lengths and leaves out unset defaults", () => {
    const incident = sampleIncident();
    const body = createBody(incident, { title: "t".repeat(500), body: "b".repeat(9000) }, "k".repeat(200), {
      closeCode: "x",
      reopenState: "2",
    });
    assert.equal(body.short_description?.length, 160);
    assert.equal(body.description?.length, 4000);
    assert.equal(body.correlation_id?.length, 100);
    assert.deepEqual(
      ["assignment_group", "cmdb_ci", "caller_id", "category"].filter((k) => k in body),
      [],
    );
  });

  it("builds the dedup query and the incident link", () => {
    assert.equal(
      correlationQuery("01JHQZ8X6N7V4W3Y2T1S0R9Q8P:servicenow"),
      "correlation_id=01JHQZ8X6N7V4W3Y2T1S0R9Q8P:servicenow^active=true",
    );
    assert.equal(
      incidentUrl("https://acme.service-now.com", "a".repeat(32)),
      `https://acme.service-now.com/nav_to.do?uri=incident.do?sys_id=${"a".repeat(32)}`,
    );
  });

  it("the owner's assignment group and CI from the service catalog win over the configured ones, field by field", () => {
    const base = fixture("create-incident.json") as Record<string, unknown>;
    const both = sampleIncident({
      context: { destinations: { servicenow: { assignmentGroup: "Payments L2", configurationItem: "checkout-prod" } } },
    });
    const request = sampleRequest("create", null, both);
    assert.deepEqual(createBody(both, text("create"), request.idempotencyKey, DEFAULTS), {
      ...base,
      assignment_group: "Payments L2",
      cmdb_ci: "checkout-prod",
    });
    const groupOnly = sampleIncident({ context: { destinations: { servicenow: { assignmentGroup: "Payments L2" } } } });
    const body = createBody(groupOnly, text("create"), request.idempotencyKey, DEFAULTS);
    assert.equal(body.assignment_group, "Payments L2");
    assert.equal(body.cmdb_ci, DEFAULTS.cmdbCi, "the configured CI stays when the owner names none");
    const noDefaults = createBody(both, text("create"), request.idempotencyKey, { closeCode: "Solved", reopenState: "2" });
    assert.equal(noDefaults.cmdb_ci, "checkout-prod");
  });
});
