import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { OpenIncident } from "../../core/ports/store.ts";
import type { Signal } from "../../core/signal.ts";
import { buildSignal } from "../normalize/build-signal.ts";
import { type BatchView, type DecideInputs, decide } from "./decide.ts";
import type { JoinTarget, PreparedSignal } from "./decisions.ts";

const MINUTE = 60_000;
let seq = 0;

function prepared(fields: Partial<Signal> = {}, fingerprint = "fp-payments"): PreparedSignal {
  const signal = buildSignal(
    { receivedAt: 0, source: "alertmanager" },
    { sourceId: `s-${++seq}`, kind: "anomaly", service: "payments", title: "t", message: "m", severity: "high", ...fields },
  );
  return { signal, verdict: { pass: true }, fingerprint, patternId: null };
}

function incident(fields: Partial<OpenIncident> = {}): OpenIncident {
  return {
    id: "inc-1",
    number: 1,
    fingerprint: "fp-payments",
    kind: "anomaly",
    severity: "high",
    state: "open",
    firstSeenAt: 0,
    lastSeenAt: 10 * MINUTE,
    platforms: ["memory"],
    version: 1,
    firingAlerts: new Set(),
    ...fields,
  };
}

function view(open: OpenIncident[] = [], stored: string[] = []): BatchView {
  const byFingerprint = new Map(open.map((i) => [i.fingerprint, i]));
  return {
    current: (fingerprint) => byFingerprint.get(fingerprint),
    touched: (fingerprint) => byFingerprint.has(fingerprint),
    stored: (_source, sourceId) => stored.includes(sourceId),
  };
}

function inputs(fields: Partial<DecideInputs> = {}): DecideInputs {
  return { context: { lookbackMs: 15 * MINUTE }, recentlyResolved: new Map(), symptomOf: new Map(), ...fields };
}

describe("decide", () => {
  it("names a stored signal a duplicate and a firing alert whose resolve is stored stale, before anything else", () => {
    const again = prepared({ sourceId: "a:1:firing" });
    assert.deepEqual(decide(again, view([], ["a:1:firing"]), inputs()), { kind: "duplicate" });
    const stale = prepared({ sourceId: "a:1:firing", resolveSourceId: "a:1:resolved" });
    assert.deepEqual(decide(stale, view([incident()], ["a:1:resolved"]), inputs()), { kind: "stale-firing" });
  });

  it("passes a gate's refusal on as data", () => {
    const item = { ...prepared(), verdict: { pass: false as const, outcome: "suppressed" as const, reason: "maintenance" } };
    assert.deepEqual(decide(item, view(), inputs()), { kind: "gated", outcome: "suppressed", reason: "maintenance" });
  });

  it("resolves an alert's incident only when its last firing alert resolves", () => {
    const open = incident({ kind: "alert", firingAlerts: new Set(["k1", "k2"]) });
    assert.deepEqual(decide(prepared({ status: "resolved", alertKey: "k1" }), view([open]), inputs()), {
      kind: "alert-resolved",
      fingerprint: "fp-payments",
      alertKey: "k1",
      stillFiring: 1,
    });
    const last = incident({ kind: "alert", firingAlerts: new Set(["k2"]) });
    assert.deepEqual(decide(prepared({ status: "resolved", alertKey: "k2" }), view([last]), inputs()), {
      kind: "resolve-by-source",
      fingerprint: "fp-payments",
      alertKey: "k2",
    });
    assert.deepEqual(decide(prepared({ status: "resolved" }), view(), inputs()), { kind: "nothing-to-resolve" });
  });

  it("resolves an anomaly incident quiet for longer than the lookback window, then decides the signal afresh", () => {
    const late = prepared({ occurredAt: 40 * MINUTE });
    assert.deepEqual(decide(late, view([incident()]), inputs()), {
      kind: "resolve-after-gap",
      fingerprint: "fp-payments",
      seconds: 30 * 60,
      next: { kind: "open", fingerprint: "fp-payments", patternId: null },
    });
    // An alert stays one incident until its source resolves it, however long the gap.
    assert.deepEqual(decide(late, view([incident({ kind: "alert" })]), inputs()), { kind: "join", fingerprint: "fp-payments" });
  });

  it("joins a symptom to its root cause's incident, but not to its own incident the gap just resolved", () => {
    const root = incident({ id: "inc-root", fingerprint: "fp-db" });
    const symptom = prepared({ occurredAt: 12 * MINUTE }, "fp-frontend");
    const target: JoinTarget = { fingerprint: "fp-db", reason: "trace t fails first in db" };
    const symptomOf = new Map([[symptom.signal.id, target]]);
    assert.deepEqual(decide(symptom, view([root]), inputs({ symptomOf })), { kind: "symptom-join", target });

    const own = incident();
    const late = prepared({ occurredAt: 40 * MINUTE });
    const toOwn = new Map([[late.signal.id, { fingerprint: "fp-payments", reason: "same trace", why: "same-trace" as const }]]);
    const decision = decide(late, view([own]), inputs({ symptomOf: toOwn }));
    assert.equal(decision.kind === "resolve-after-gap" && decision.next.kind, "open");
  });

  it("reopens an incident resolved within the reopen window, and opens a new one outside it", () => {
    const resolved = incident({ state: "resolved", resolvedAt: 10 * MINUTE });
    const recentlyResolved = new Map([["fp-payments", resolved]]);
    const context = { lookbackMs: 15 * MINUTE, reopenWindowMs: 30 * MINUTE };
    const soon = prepared({ occurredAt: 20 * MINUTE });
    assert.deepEqual(decide(soon, view(), inputs({ context, recentlyResolved })), {
      kind: "reopen",
      incident: resolved,
      gapMs: 10 * MINUTE,
    });
    const late = prepared({ occurredAt: 50 * MINUTE });
    assert.equal(decide(late, view(), inputs({ context, recentlyResolved })).kind, "open");
    // Without a reopen window nothing reopens.
    assert.equal(decide(soon, view(), inputs({ recentlyResolved })).kind, "open");
  });
});
