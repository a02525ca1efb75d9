import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type OpenIncident, signalKey } from "../../core/ports/store.ts";
import type { Signal } from "../../core/signal.ts";
import { buildSignal } from "../normalize/build-signal.ts";
import { errorPatternOf, fingerprintOf } from "./fingerprint.ts";
import { type PlanContext, type PreparedSignal, planBatch } from "./plan-batch.ts";

const MINUTE = 60_000;
const context: PlanContext = {
  lookbackMs: 15 * MINUTE,
  now: 1_000_000,
  route: () => ({ platforms: ["memory", "slack"], rule: "severity:high", unavailable: [] }),
};

let seq = 0;
function signal(fields: Partial<Signal> = {}): PreparedSignal {
  const built = buildSignal(
    { receivedAt: 0, source: "api" },
    {
      sourceId: `s-${++seq}`,
      kind: "anomaly",
      service: "payments",
      title: "t",
      message: `timeout after ${seq}ms for request ${seq.toString(16)}abc`,
      severity: "high",
      score: 0.9,
      ...fields,
    },
  );
  built.errorPattern = errorPatternOf(built);
  return { signal: built, verdict: { pass: true }, fingerprint: fingerprintOf(built, built.errorPattern), patternId: null };
}

function openFrom(prepared: PreparedSignal, fields: Partial<OpenIncident> = {}): Map<string, OpenIncident> {
  return new Map([
    [
      prepared.fingerprint,
      {
        id: "inc-1",
        number: 1,
        fingerprint: prepared.fingerprint,
        kind: "anomaly",
        severity: "high",
        state: "open",
        firstSeenAt: 0,
        lastSeenAt: 0,
        platforms: ["memory"],
        version: 3,
        firingAlerts: new Set(),
        ...fields,
      },
    ],
  ]);
}

describe("planBatch", () => {
  it("opens one incident for the same error with different ids and numbers, and routes it once", () => {
    const items = [signal(), signal(), signal()];
    const plan = planBatch(items, new Map(), new Set(), context);
    assert.deepEqual(
      plan.decisions.map((d) => d.outcome),
      ["opened", "deduplicated", "deduplicated"],
    );
    assert.equal(plan.changes.newIncidents.length, 1);
    assert.equal(plan.changes.newIncidents[0]?.signalCount, 3);
    assert.deepEqual(
      plan.changes.deliveries.map((d) => `${d.platform}:${d.action}`),
      ["memory:create", "slack:create"],
    );
    assert.equal(plan.changes.newIncidents[0]?.matchedRule, "severity:high");
    assert.ok(plan.changes.timeline.some((t) => t.action === "routed" && t.rule === "severity:high"));
  });

  it("keeps different services and different errors apart", () => {
    const plan = planBatch(
      [signal(), signal({ service: "orders" }), signal({ message: "connection pool exhausted" })],
      new Map(),
      new Set(),
      context,
    );
    assert.equal(plan.changes.newIncidents.length, 3);
  });

  it("joins an open incident within the lookback window with one versioned change", () => {
    const first = signal({ occurredAt: 10 * MINUTE });
    const second = signal({ occurredAt: 12 * MINUTE });
    const plan = planBatch([first, second], openFrom(first, { lastSeenAt: 5 * MINUTE }), new Set(), context);
    assert.deepEqual(
      plan.decisions.map((d) => d.incidentId),
      ["inc-1", "inc-1"],
    );
    assert.equal(plan.changes.incidentChanges.length, 1);
    assert.deepEqual(plan.changes.incidentChanges[0], {
      id: "inc-1",
      expectedVersion: 3,
      at: context.now,
      addSignals: 2,
      set: { lastSeenAt: 12 * MINUTE },
    });
    assert.equal(plan.changes.deliveries.length, 0, "joining is not news for the tickets");
  });

  it("past the lookback window, resolves the stale incident and opens a new one, saying why", () => {
    const late = signal({ occurredAt: 40 * MINUTE });
    const plan = planBatch([late], openFrom(late, { lastSeenAt: 10 * MINUTE }), new Set(), context);
    assert.equal(plan.decisions[0]?.outcome, "opened");
    assert.equal(plan.changes.incidentChanges[0]?.set.state, "resolved");
    assert.match(plan.changes.timeline.find((t) => t.incidentId === "inc-1")?.detail ?? "", /lookbackWindow/);
  });

  it("raises severity and tells the tickets", () => {
    const critical = signal({ severity: "critical" });
    const plan = planBatch([critical], openFrom(critical), new Set(), context);
    assert.deepEqual(plan.changes.incidentChanges[0]?.set, { lastSeenAt: 0, severity: "critical", priority: "P1" });
    assert.deepEqual(
      plan.changes.deliveries.map((d) => d.action),
      ["update"],
    );
  });

  it("treats a repeated upstream id as a duplicate, within a batch and across batches", () => {
    const a = signal({ sourceId: "evt-1" });
    const b = signal({ sourceId: "evt-1" });
    const c = signal({ sourceId: "evt-2" });
    const plan = planBatch([a, b, c], new Map(), new Set(["api\u0000evt-2"]), context);
    assert.deepEqual(
      plan.decisions.map((d) => d.outcome),
      ["opened", "duplicate", "duplicate"],
    );
    assert.equal(plan.changes.signals.length, 1, "duplicates are not stored twice");
  });

  it("stores gated signals without touching incidents", () => {
    const low = {
      ...signal(),
      verdict: { pass: false as const, outcome: "gated" as const, reason: "score 0.2 below minimumScore 0.85" },
    };
    const plan = planBatch([low], new Map(), new Set(), context);
    assert.equal(plan.decisions[0]?.outcome, "gated");
    assert.equal(plan.changes.signals[0]?.outcome, "gated");
    assert.equal(plan.changes.newIncidents.length, 0);
  });

  it("resolves an alert incident only when its last firing alert resolves", () => {
    const alert = (key: string, status: "firing" | "resolved") =>
      signal({ kind: "alert", alertKey: key, status, errorPattern: "alert:DiskFull", sourceId: `${key}:${status}` });
    const resolvedLater = { ...alert("b", "resolved") };
    resolvedLater.signal.occurredAt = 42 * MINUTE;
    const plan = planBatch(
      [alert("a", "firing"), alert("b", "firing"), alert("a", "resolved"), resolvedLater],
      new Map(),
      new Set(),
      context,
    );
    assert.deepEqual(
      plan.decisions.map((d) => d.outcome),
      ["opened", "deduplicated", "resolved", "resolved"],
    );
    assert.match(plan.decisions[2]?.reason ?? "", /1 still firing/);
    assert.equal(plan.changes.newIncidents[0]?.state, "resolved");
    assert.deepEqual(
      plan.changes.deliveries.map((d) => d.action),
      ["create", "create", "resolve", "resolve"],
    );
    // Time to resolve: from the first signal to the last alert's resolve.
    const firstSeenAt = plan.changes.newIncidents[0]?.firstSeenAt ?? Number.NaN;
    assert.deepEqual(plan.resolved, [{ severity: "high", seconds: (42 * MINUTE - firstSeenAt) / 1000 }]);
  });

  it("plans a stored incident's partial alert resolve at its version, and its joins as mere counts", () => {
    const alert = (key: string, status: "firing" | "resolved") =>
      signal({ kind: "alert", alertKey: key, status, errorPattern: "alert:DiskFull", sourceId: `${key}:${status}:${seq}` });
    const firing = alert("c", "firing");
    const open = openFrom(firing, { kind: "alert", firingAlerts: new Set(["a", "b"]) });
    const joinOnly = planBatch([firing], open, new Set(), context);
    assert.equal(joinOnly.changes.incidentChanges[0]?.versioned, undefined, "a join commutes with other joins");
    // Another replica may be resolving "b" right now: the version makes one of the two plan again.
    const partial = planBatch([alert("a", "resolved"), firing], open, new Set(), context);
    assert.match(partial.decisions[0]?.reason ?? "", /1 still firing/);
    assert.deepEqual(
      partial.changes.incidentChanges.map((c) => [c.id, c.expectedVersion, c.versioned, c.addSignals]),
      [["inc-1", 3, true, 1]],
    );
  });

  it("ignores a firing alert whose own resolve arrived first, in an earlier batch or this one", () => {
    const occurrence = (status: "firing" | "resolved", start = "10:00") =>
      signal({
        kind: "alert",
        alertKey: "disk",
        status,
        errorPattern: "alert:DiskFull",
        sourceId: `disk:${start}:${status}`,
        ...(status === "firing" ? { resolveSourceId: `disk:${start}:resolved` } : {}),
      });
    const late = planBatch([occurrence("firing")], new Map(), new Set([signalKey("api", "disk:10:00:resolved")]), context);
    assert.deepEqual(
      [late.decisions[0]?.outcome, late.changes.newIncidents.length, late.changes.signals[0]?.outcome],
      ["unmatched", 0, "unmatched"],
    );
    assert.match(late.decisions[0]?.reason ?? "", /resolve \(same start time\) arrived first/);
    const sameBatch = planBatch([occurrence("resolved"), occurrence("firing")], new Map(), new Set(), context);
    assert.deepEqual(
      sameBatch.decisions.map((d) => d.outcome),
      ["unmatched", "unmatched"],
    );
    // The same alert firing again later is a new occurrence (another start time): it opens.
    const again = planBatch(
      [occurrence("firing", "11:00")],
      new Map(),
      new Set([signalKey("api", "disk:10:00:resolved")]),
      context,
    );
    assert.equal(again.decisions[0]?.outcome, "opened");
  });

  it("counts a resolve with nothing open as unmatched", () => {
    const plan = planBatch([signal({ status: "resolved" })], new Map(), new Set(), context);
    assert.equal(plan.decisions[0]?.outcome, "unmatched");
  });
  it("reopens an incident resolved within the reopen window instead of opening a new one", () => {
    const again = signal({ occurredAt: 20 * MINUTE });
    const resolved = openFrom(again, { state: "resolved", resolvedAt: 10 * MINUTE });
    const plan = planBatch([again], new Map(), new Set(), { ...context, reopenWindowMs: 30 * MINUTE }, resolved);
    assert.equal(plan.decisions[0]?.incidentId, "inc-1");
    assert.equal(plan.changes.newIncidents.length, 0);
    assert.deepEqual(plan.changes.incidentChanges[0]?.set, {
      state: "open",
      resolvedAt: null,
      acknowledgedAt: null,
      escalationLevel: 0,
      lastSeenAt: 20 * MINUTE,
    });
    assert.match(plan.changes.timeline[0]?.detail ?? "", /within reopenWindow/);
    assert.deepEqual(
      plan.changes.deliveries.map((d) => d.action),
      ["reopen"],
    );
  });

  it("treats an incident that went quiet as still open: back after lookbackWindow is a new occurrence, however recent the resolve", () => {
    // Last signal at 0, auto-resolved at 45 min (quiet period), the problem back at 50 min: the same
    // answer as when no sweep ran during the pause and the incident was still open (a new incident).
    const back = signal({ occurredAt: 50 * MINUTE });
    const reopenable = { ...context, reopenWindowMs: 30 * MINUTE };
    const quiet = openFrom(back, { state: "resolved", resolvedAt: 45 * MINUTE, resolvedQuietly: true });
    assert.equal(planBatch([back], new Map(), new Set(), reopenable, quiet).decisions[0]?.outcome, "opened");
    const stillOpen = planBatch([back], openFrom(back), new Set(), reopenable);
    assert.equal(stillOpen.decisions[0]?.outcome, "opened", "the lookback rule gives the same answer");

    const soon = signal({ occurredAt: 10 * MINUTE });
    const quietSoon = openFrom(soon, { state: "resolved", resolvedAt: 5 * MINUTE, resolvedQuietly: true });
    assert.equal(
      planBatch([soon], new Map(), new Set(), reopenable, quietSoon).decisions[0]?.incidentId,
      "inc-1",
      "within lookbackWindow it reopens",
    );

    const byPerson = openFrom(back, { state: "resolved", resolvedAt: 45 * MINUTE, resolvedQuietly: false });
    assert.equal(
      planBatch([back], new Map(), new Set(), reopenable, byPerson).decisions[0]?.incidentId,
      "inc-1",
      "a problem back soon after a person resolved it reopens their incident",
    );
  });

  it("opens a new incident when the old one resolved before the reopen window", () => {
    const late = signal({ occurredAt: 60 * MINUTE });
    const resolved = openFrom(late, { state: "resolved", resolvedAt: 10 * MINUTE });
    const plan = planBatch([late], new Map(), new Set(), { ...context, reopenWindowMs: 30 * MINUTE }, resolved);
    assert.equal(plan.decisions[0]?.outcome, "opened");
  });

  it("joins a symptom to the root cause's open incident instead of opening one, once on the timeline per service", () => {
    const root = signal({ service: "payments" });
    const open = openFrom(root);
    const symptoms = [
      signal({ service: "checkout", message: "upstream 502" }),
      signal({ service: "checkout", message: "upstream 502" }),
    ];
    const unrelated = signal({ service: "search", message: "index missing" });
    const reason = "trace abc shows payments failing underneath";
    const symptomOf = new Map(symptoms.map((s) => [s.signal.id, { fingerprint: root.fingerprint, reason }]));
    const plan = planBatch([...symptoms, unrelated], open, new Set(), context, new Map(), symptomOf);
    assert.deepEqual(
      plan.decisions.map((d) => [d.outcome, d.incidentId]),
      [
        ["deduplicated", "inc-1"],
        ["deduplicated", "inc-1"],
        ["opened", plan.opened[0]?.id],
      ],
    );
    assert.equal(plan.opened.length, 1);
    assert.equal(plan.opened[0]?.service, "search");
    const noted = plan.changes.timeline.filter((e) => e.action === "symptom-joined");
    assert.equal(noted.length, 1);
    assert.match(noted[0]?.detail ?? "", /checkout: trace abc/);
    assert.equal(plan.changes.incidentChanges[0]?.addSignals, 2);
    // The reason is kept on the stored signal, unlike a routine join.
    assert.match(plan.changes.signals[0]?.outcomeReason ?? "", /symptom of the root cause/);
  });

  it("opens its own incident when the root cause's incident is no longer open", () => {
    const root = signal({ service: "payments" });
    const symptom = signal({ service: "checkout", message: "upstream 502" });
    const symptomOf = new Map([[symptom.signal.id, { fingerprint: root.fingerprint, reason: "graph" }]]);
    const plan = planBatch([symptom], new Map(), new Set(), context, new Map(), symptomOf);
    assert.equal(plan.decisions[0]?.outcome, "opened");
  });
});
