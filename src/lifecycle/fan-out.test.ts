import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { emptyChangeSet } from "../core/ports/store.ts";
import { fanOut, fanOutTransition } from "./fan-out.ts";

const incident = { id: "inc-1", platforms: ["jira", "slack", "pagerduty"] };

describe("fanOut", () => {
  it("writes one timeline entry and one delivery per linked ticket, in platform order, but not back to the origin", () => {
    const changes = emptyChangeSet();
    fanOut(changes, incident, 1000, {
      actor: "slack:ann",
      action: "note",
      detail: "looking",
      send: { action: "comment", except: "slack" },
    });
    assert.deepEqual(changes.timeline, [
      { incidentId: "inc-1", at: 1000, actor: "slack:ann", action: "note", detail: "looking", rule: null },
    ]);
    assert.deepEqual(changes.deliveries, [
      { incidentId: "inc-1", platform: "jira", action: "comment", detail: "looking", causedAt: 1000 },
      { incidentId: "inc-1", platform: "pagerduty", action: "comment", detail: "looking", causedAt: 1000 },
    ]);
  });

  it("sends the tickets their own text and cause time when given, and nothing when the change is not sent", () => {
    const changes = emptyChangeSet();
    fanOut(changes, incident, 2000, {
      actor: "sluice:summary",
      action: "summarized",
      detail: "summary written by m",
      rule: "r",
      send: { action: "update", detail: "summary updated", causedAt: 1500 },
    });
    fanOut(changes, incident, 2000, { actor: "sluice:summary", action: "summary-template", detail: "no model" });
    assert.deepEqual(
      changes.timeline.map((entry) => [entry.action, entry.rule]),
      [
        ["summarized", "r"],
        ["summary-template", null],
      ],
    );
    assert.deepEqual(
      changes.deliveries.map((d) => [d.platform, d.detail, d.causedAt]),
      [
        ["jira", "summary updated", 1500],
        ["slack", "summary updated", 1500],
        ["pagerduty", "summary updated", 1500],
      ],
    );
  });
});

describe("fanOutTransition", () => {
  it("fans out what the transition rules name and returns the fields it sets", () => {
    const changes = emptyChangeSet();
    const result = fanOutTransition(changes, { ...incident, key: "INC-1", state: "open", escalationLevel: 0 }, "resolve", {
      actor: "alertmanager:resolved",
      detail: "gone",
      at: 500,
      recordedAt: 900,
      causedAt: 700,
    });
    assert.deepEqual(result.ok && result.set, { state: "resolved", resolvedAt: 500 });
    assert.deepEqual(changes.timeline, [
      { incidentId: "inc-1", at: 900, actor: "alertmanager:resolved", action: "resolved", detail: "gone", rule: null },
    ]);
    assert.deepEqual(
      changes.deliveries.map((d) => [d.platform, d.action, d.causedAt]),
      [
        ["jira", "resolve", 700],
        ["slack", "resolve", 700],
        ["pagerduty", "resolve", 700],
      ],
    );
  });

  it("writes nothing when the rules refuse the action", () => {
    const changes = emptyChangeSet();
    const result = fanOutTransition(
      changes,
      { ...incident, key: "INC-1", state: "resolved", escalationLevel: 0 },
      "acknowledge",
      { actor: "api:ops", detail: "", at: 1 },
    );
    assert.equal(result.ok, false);
    assert.match(result.ok ? "" : result.reason, /INC-1 is resolved/);
    assert.deepEqual(changes, emptyChangeSet());
  });
});
