import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { OpenIncident } from "../../core/ports/store.ts";
import type { Signal } from "../../core/signal.ts";
import { buildSignal } from "../normalize/build-signal.ts";
import { BatchApplier } from "./batch-applier.ts";
import { decide } from "./decide.ts";
import type { PlanContext, PreparedSignal } from "./decisions.ts";

const MINUTE = 60_000;
const context: PlanContext = {
  lookbackMs: 15 * MINUTE,
  reopenWindowMs: 30 * MINUTE,
  now: 100 * MINUTE,
  route: () => ({ platforms: ["memory"], rule: "all", unavailable: [] }),
};
let seq = 0;

function prepared(fields: Partial<Signal> = {}, fingerprint = "fp-payments"): PreparedSignal {
  const signal = buildSignal(
    { receivedAt: 99 * MINUTE, source: "alertmanager" },
    { sourceId: `s-${++seq}`, kind: "alert", service: "payments", title: "t", message: "m", severity: "high", ...fields },
  );
  return { signal, verdict: { pass: true }, fingerprint, patternId: null };
}

function incident(fields: Partial<OpenIncident>): OpenIncident {
  return {
    id: "inc-1",
    number: 1,
    fingerprint: "fp-payments",
    kind: "alert",
    severity: "high",
    state: "open",
    firstSeenAt: 0,
    lastSeenAt: 50 * MINUTE,
    platforms: ["memory", "slack"],
    version: 4,
    firingAlerts: new Set(),
    ...fields,
  };
}

function run(items: PreparedSignal[], open: OpenIncident[], recent: OpenIncident[] = []): BatchApplier {
  const applier = new BatchApplier(new Map(open.map((i) => [i.fingerprint, i])), new Set(), context);
  const inputs = { context, recentlyResolved: new Map(recent.map((i) => [i.fingerprint, i])), symptomOf: new Map() };
  for (const item of items) applier.apply(item, decide(item, applier, inputs));
  return applier;
}

describe("BatchApplier", () => {
  it("reports what the batch changed: incidents that took signals or a higher severity, resolved, reopened, opened", () => {
    const stored = incident({ id: "inc-1", fingerprint: "fp-payments", firingAlerts: new Set(["k1", "k2"]) });
    const other = incident({ id: "inc-2", fingerprint: "fp-orders", firingAlerts: new Set(["k9"]) });
    const resolved = incident({ id: "inc-3", fingerprint: "fp-search", state: "resolved", resolvedAt: 90 * MINUTE });
    const applier = run(
      [
        prepared({ severity: "critical", alertKey: "k1" }),
        prepared({ status: "resolved", alertKey: "k2" }),
        prepared({ status: "resolved", alertKey: "k9", occurredAt: 60 * MINUTE }, "fp-orders"),
        prepared({ service: "search", occurredAt: 95 * MINUTE }, "fp-search"),
        prepared({ service: "cart" }, "fp-cart"),
        prepared({ service: "cart" }, "fp-cart"),
      ],
      [stored, other],
      [resolved],
    );
    assert.deepEqual(applier.effects.changed, [
      { incidentId: "inc-1", kinds: ["severity-raised", "signals-joined", "alert-resolved"] },
      { incidentId: "inc-3", kinds: ["signals-joined"] },
    ]);
    assert.deepEqual(applier.effects.resolvedIds, ["inc-2"]);
    assert.deepEqual(applier.effects.resolved, [{ severity: "high", seconds: 60 * 60 }]);
    assert.deepEqual(applier.effects.reopened, ["inc-3"]);
    assert.deepEqual(
      applier.effects.opened.map((i) => [i.service, i.signalCount]),
      [["cart", 2]],
    );
  });

  it("resolves and reopens through the lifecycle rules and the fan-out: one timeline entry, one delivery per ticket", () => {
    const stored = incident({ id: "inc-2", fingerprint: "fp-orders", firingAlerts: new Set(["k9"]) });
    const resolved = incident({ id: "inc-3", fingerprint: "fp-search", state: "resolved", resolvedAt: 90 * MINUTE });
    const applier = run(
      [prepared({ status: "resolved", alertKey: "k9" }, "fp-orders"), prepared({ occurredAt: 95 * MINUTE }, "fp-search")],
      [stored],
      [resolved],
    );
    assert.deepEqual(
      applier.changes.timeline.map((e) => [e.incidentId, e.actor, e.action, e.at]),
      [
        ["inc-2", "alertmanager:resolved", "resolved", 100 * MINUTE],
        ["inc-3", "sluice:correlate", "reopened", 100 * MINUTE],
      ],
    );
    assert.deepEqual(
      applier.changes.deliveries.map((d) => [d.incidentId, d.platform, d.action, d.causedAt]),
      [
        ["inc-2", "memory", "resolve", 99 * MINUTE],
        ["inc-2", "slack", "resolve", 99 * MINUTE],
        ["inc-3", "memory", "reopen", 99 * MINUTE],
        ["inc-3", "slack", "reopen", 99 * MINUTE],
      ],
    );
    assert.deepEqual(
      applier.changes.incidentChanges.map((c) => [c.id, c.expectedVersion, c.set.state]),
      [
        ["inc-2", 4, "resolved"],
        ["inc-3", 4, "open"],
      ],
    );
  });
});
