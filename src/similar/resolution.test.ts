import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeResolution, formatDuration } from "./resolution.ts";

const T0 = Date.parse("2026-10-01T08:00:00Z");
const MIN = 60_000;
const incident = { firstSeenAt: T0, resolvedAt: T0 + 42 * MIN };

function event(action: string, actor: string, detail = "", at = T0 + MIN) {
  return { at, actor, action, detail };
}

describe("how a past incident was resolved", () => {
  it("names a person who resolved it through the API, their reason, and the time to resolve", () => {
    const text = describeResolution(incident, [
      event("acknowledged", "api:alice"),
      event("resolved", "api:alice", "rolled back 4.12.1"),
    ]);
    assert.equal(text, 'Resolved by alice via the API after 42 min: "rolled back 4.12.1".');
  });

  it("names a person who resolved it in a platform, without repeating the generated reason", () => {
    const text = describeResolution(incident, [event("resolved", "jira:bob", "resolve in jira by bob")]);
    assert.equal(text, "Resolved by bob in jira after 42 min.");
  });

  it("tells auto-resolution after the quiet period apart from a person", () => {
    const text = describeResolution({ firstSeenAt: T0, resolvedAt: T0 + 3 * 60 * MIN + 5 * MIN }, [
      event(
        "resolved",
        "sluice:auto-resolve",
        "no signal for 31 min, confirmed over two checks (quiet period); flapping (1 reopen(s) in the last hour), so it waited longer",
      ),
    ]);
    assert.equal(text, "Auto-resolved by Sluice after 3 h 5 min (quiet period: no signal for 31 min).");
  });

  it("tells a source's own recovery, and Sluice closing an anomaly for a new occurrence", () => {
    assert.equal(
      describeResolution(incident, [event("resolved", "alertmanager:resolved", "alertmanager reported the problem resolved")]),
      "Resolved by its source after 42 min (alertmanager reported recovery).",
    );
    assert.equal(
      describeResolution(incident, [
        event(
          "resolved",
          "sluice:correlate",
          "no signal for 1200s (longer than lookbackWindow); a new occurrence opens a new incident",
        ),
      ]),
      "Closed by Sluice after 42 min (no signal for 20 min).",
    );
  });

  it("uses the last resolution after a reopen, and shows the last notes, newest last, truncated", () => {
    const long = `raised max pool size to 50 and ${"x".repeat(300)}`;
    const text = describeResolution(incident, [
      event("note", "api:alice", "first look: pool exhausted"),
      event("resolved", "api:alice", "looked fine"),
      event("reopened", "sluice:correlate"),
      event("note", "slack:carol", "the leak is in the refund handler"),
      event("note", "api:alice", long),
      event("resolved", "jira:bob", "resolve in jira by bob"),
    ]);
    assert.match(
      text,
      /^Resolved by bob in jira after 42 min\. Last notes: carol \(slack\): "the leak is in the refund handler"; alice: "raised max pool size to 50 and x+…"\.$/,
    );
    assert.ok(!text.includes("first look"), "only the last two notes");
    const shownNote = /alice: "([^"]*)"/.exec(text)?.[1] ?? "";
    assert.equal(shownNote.length, 160);
  });

  it("still says something when the timeline has no resolution entry", () => {
    assert.equal(describeResolution({ firstSeenAt: T0, resolvedAt: null }, []), "Resolved.");
    assert.equal(
      describeResolution(incident, [event("note", "api:dan", "  restarted\n the   pods  ")]),
      'Resolved after 42 min. Last note: dan: "restarted the pods".',
    );
  });

  it("formats durations the way responders say them", () => {
    assert.equal(formatDuration(45_000), "45 s");
    assert.equal(formatDuration(42 * MIN), "42 min");
    assert.equal(formatDuration(120 * MIN), "2 h");
    assert.equal(formatDuration(185 * MIN), "3 h 5 min");
    assert.equal(formatDuration(52 * 60 * MIN), "2 d 4 h");
  });
});
