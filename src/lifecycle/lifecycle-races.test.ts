import assert from "node:assert/strict";
import { describe, it } from "node:test";
import pino from "pino";
import { ManualClock } from "../core/clock.ts";
import { isSluiceError } from "../core/errors.ts";
import { EventBus } from "../core/events.ts";
import { type ChangeSet, emptyChangeSet, type IncidentChange, type Store } from "../core/ports/store.ts";
import { SqliteStore } from "../store/sqlite/sqlite-store.ts";
import { incident as newIncident } from "../testing/store-contract.ts";
import { EscalationTimers } from "./escalation.ts";
import { LifecycleService } from "./lifecycle-service.ts";

const T0 = Date.parse("2026-11-24T08:00:00Z");

// A store on which, before each of the action's first `times` writes, someone else writes `meanwhile`
// to the incident: the action's write then meets a newer version, as it would on a busy replica.
function racedBy(store: SqliteStore, times: number, meanwhile: (incidentId: string, version: number) => IncidentChange) {
  let left = times;
  const apply = async (changes: ChangeSet) => {
    const target = changes.incidentChanges[0];
    if (target && left-- > 0) {
      const now = await store.incidents.get(target.id);
      const other = emptyChangeSet();
      other.incidentChanges.push(meanwhile(target.id, now?.version ?? 0));
      await store.apply(other);
    }
    return store.apply(changes);
  };
  return Object.assign(Object.create(store) as Store, { apply });
}

const joinedSignal = (id: string, version: number): IncidentChange => ({
  id,
  expectedVersion: version,
  at: T0,
  addSignals: 1,
  set: { lastSeenAt: T0 + (version + 1) * 1000 },
});

const renamed = (id: string, version: number): IncidentChange => ({
  id,
  expectedVersion: version,
  at: T0,
  addSignals: 0,
  set: { title: `renamed ${version}` },
});

async function withIncident(work: (store: SqliteStore, id: string) => Promise<void>): Promise<void> {
  const store = await SqliteStore.open({ dataDir: ":memory:", synchronous: "normal" });
  try {
    const opened = newIncident({ firstSeenAt: T0, lastSeenAt: T0 });
    const changes = emptyChangeSet();
    changes.newIncidents.push(opened);
    await store.apply(changes);
    await work(store, opened.id);
  } finally {
    await store.close();
  }
}

describe("lifecycle actions racing other writers", () => {
  it("acknowledges however many signals join the incident meanwhile (a storm changes nothing the action decides on)", () =>
    withIncident(async (store, id) => {
      const lifecycle = new LifecycleService(racedBy(store, 12, joinedSignal), new ManualClock(T0), new EventBus());
      const acknowledged = await lifecycle.apply(id, "acknowledge", { actor: "api:alice" });
      assert.equal(acknowledged.state, "acknowledged");
      assert.equal(acknowledged.signalCount, 13, "every joined signal counted");
    }));

  it("gives up with CONFLICT after three races lost to real changes", () =>
    withIncident(async (store, id) => {
      const lifecycle = new LifecycleService(racedBy(store, 3, renamed), new ManualClock(T0), new EventBus());
      await assert.rejects(lifecycle.apply(id, "acknowledge", { actor: "api:alice" }), (error: unknown) => {
        assert.ok(isSluiceError(error));
        assert.equal(error.code, "CONFLICT");
        return true;
      });
      assert.equal((await store.incidents.get(id))?.state, "open");
    }));

  it("does not escalate over an acknowledgement that lands while the escalation is being written", () =>
    withIncident(async (store, id) => {
      const clock = new ManualClock(T0 + 16 * 60_000);
      const acknowledged = (incidentId: string, version: number): IncidentChange => ({
        id: incidentId,
        expectedVersion: version,
        at: clock.now(),
        addSignals: 0,
        set: { state: "acknowledged", acknowledgedAt: clock.now() },
      });
      const lifecycle = new LifecycleService(racedBy(store, 1, acknowledged), clock, new EventBus());
      const policy = { name: "pages", match: {}, after: 15 * 60_000, repeat: 1 };
      const timers = new EscalationTimers(store, lifecycle, clock, [policy], pino({ level: "silent" }));
      assert.equal(await timers.tick(), 0, "nothing escalated");
      const incident = await store.incidents.get(id);
      assert.deepEqual([incident?.state, incident?.escalationLevel], ["acknowledged", 0]);
    }));

  it("refuses an action that no longer holds on the incident as read again (an auto-resolve that a signal overtook)", () =>
    withIncident(async (store, id) => {
      const lifecycle = new LifecycleService(racedBy(store, 1, joinedSignal), new ManualClock(T0), new EventBus());
      const quietSince = (await store.incidents.get(id))?.lastSeenAt ?? 0;
      await assert.rejects(
        lifecycle.apply(id, "resolve", { actor: "sluice:auto-resolve" }, (fresh) =>
          fresh.lastSeenAt > quietSince ? "got a signal while being auto-resolved" : null,
        ),
        /got a signal while being auto-resolved/,
      );
      assert.equal((await store.incidents.get(id))?.state, "open");
    }));
});
