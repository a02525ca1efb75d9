import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import pino from "pino";
import type { Signal } from "../../core/signal.ts";
import { anomalyEvent, inMemorySluice } from "../../testing/in-memory-sluice.ts";
import type { RootCauseHint } from "./root-causes.ts";
import { type MergeOutcome, type SymptomEvidence, SymptomMerger } from "./symptom-merger.ts";

const MINUTE = 60_000;

describe("SymptomMerger", async () => {
  // Sluice's own merger is off: this test drives one with evidence it controls.
  const { sluice, clock, memory } = await inMemorySluice({ traces: { mergeSymptoms: false } });
  after(() => sluice.close());

  /** Opens an incident with one signal of `service` at the clock's time; returns its key and id. */
  const open = async (service: string, message: string) => {
    const response = await sluice.server.inject({
      method: "POST",
      url: "/api/v1/signals",
      payload: anomalyEvent({ service, error_message: message, "@timestamp": new Date(clock.now()).toISOString() }),
    });
    assert.equal(response.statusCode, 202, response.body);
    const key = response.json().results[0].incident as string;
    const incident = await sluice.store.incidents.get(key);
    assert.ok(incident);
    return incident;
  };

  /** Evidence as traces would give it: `callers` call every service; `symptomOf` names each caller's root cause. */
  const merger = (callers: string[], symptomOf: Record<string, RootCauseHint>, outcomes: MergeOutcome[]) => {
    const evidence: SymptomEvidence = {
      upstreamOf: async () => callers,
      openIncidentsByService: (tenant, environment, services) =>
        sluice.store.traces.openIncidentsByService(tenant, environment, services),
      rootCauses: async (signals: readonly Signal[]) => {
        const hints = new Map<string, RootCauseHint>();
        for (const signal of signals) {
          const hint = symptomOf[signal.service];
          if (hint) hints.set(signal.id, hint);
        }
        return hints;
      },
    };
    return new SymptomMerger({
      store: sluice.store,
      lifecycle: sluice.lifecycle,
      evidence,
      now: () => clock.now(),
      logger: pino({ level: "silent" }),
      windowMs: 10 * MINUTE,
      count: (outcome) => outcomes.push(outcome),
    });
  };

  it("resolves a symptom's incident that opened first as merged into the root cause's, and says so on both", async () => {
    const symptom = await open("frontend", "checkout returned 500 for order 1234");
    clock.advance(2 * MINUTE);
    const root = await open("payments-db", "deadlock detected: process 4242 waits for ShareLock");
    await sluice.worker.flush();
    const before = memory.received.length;
    const outcomes: MergeOutcome[] = [];
    const reason = "trace 4bf92f fails first in payments-db (SELECT payments: deadlock detected); frontend is upstream of it";
    const subject = merger(["frontend"], { frontend: { service: "payments-db", reason } }, outcomes);
    subject.enqueue([root.id]);
    await subject.flush();

    assert.deepEqual(outcomes, ["merged"]);
    const merged = await sluice.store.incidents.get(symptom.id);
    assert.equal(merged?.state, "resolved");
    assert.equal((await sluice.store.incidents.get(root.id))?.state, "open");
    const symptomTimeline = await sluice.store.incidents.timeline(symptom.id);
    assert.deepEqual(
      [symptomTimeline.at(-1)?.action, symptomTimeline.at(-1)?.actor, symptomTimeline.at(-1)?.detail],
      ["resolved", "sluice:merge", `merged into ${root.key}: ${reason}`],
    );
    const rootTimeline = await sluice.store.incidents.timeline(root.id);
    assert.equal(rootTimeline.at(-1)?.action, "symptom-merged");
    assert.equal(rootTimeline.at(-1)?.detail, `${symptom.key} (frontend) was merged into this incident: ${reason}`);
    // The symptom's ticket is resolved with the reason; the root's ticket gets a comment naming the symptom.
    await sluice.worker.flush();
    assert.deepEqual(
      memory.received.slice(before).map((d) => [d.incidentKey, d.action]),
      [
        [symptom.key, "resolve"],
        [root.key, "comment"],
      ],
    );
  });

  it("keeps an upstream incident whose signals are not symptoms of the new one", async () => {
    const unrelated = await open("frontend", "bundle main.js failed to load from cdn");
    clock.advance(MINUTE);
    const root = await open("inventory", "connection refused to inventory-db:5432");
    const outcomes: MergeOutcome[] = [];
    const subject = merger(["frontend"], { frontend: { service: "search", reason: "calls search, which fails" } }, outcomes);
    subject.enqueue([root.id]);
    await subject.flush();
    assert.deepEqual(outcomes, ["kept"]);
    assert.equal((await sluice.store.incidents.get(unrelated.id))?.state, "open");
  });

  it("leaves incidents that opened before the window alone: people have been handling them", async () => {
    const old = await open("gateway", "upstream timed out after 30000ms");
    clock.advance(11 * MINUTE);
    const root = await open("auth", "token signing key unavailable");
    const outcomes: MergeOutcome[] = [];
    const subject = merger(["gateway"], { gateway: { service: "auth", reason: "gateway calls auth, which fails" } }, outcomes);
    subject.enqueue([root.id]);
    await subject.flush();
    assert.deepEqual(outcomes, []);
    assert.equal((await sluice.store.incidents.get(old.id))?.state, "open");
  });
});
