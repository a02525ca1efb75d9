import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type DomainEvent, EventBus } from "./events.ts";

const opened: DomainEvent = { type: "IncidentOpened", incidentId: "i1", at: 1 };

describe("EventBus", () => {
  it("delivers each event to the subscribers of its type, in subscription order", () => {
    const bus = new EventBus();
    const heard: string[] = [];
    bus.subscribe("IncidentOpened", "first", (event) => heard.push(`first:${event.incidentId}`));
    bus.subscribe("IncidentOpened", "second", (event) => heard.push(`second:${event.incidentId}`));
    bus.subscribe("IncidentResolved", "other", () => heard.push("resolved"));
    bus.publish(opened);
    assert.deepEqual(heard, ["first:i1", "second:i1"]);
  });

  it("reports a throwing subscriber and still reaches the others; publish never throws", () => {
    const failures: string[] = [];
    const bus = new EventBus(({ subscriber, error }) => failures.push(`${subscriber}: ${(error as Error).message}`));
    const heard: string[] = [];
    bus.subscribe("IncidentOpened", "broken", () => {
      throw new Error("boom");
    });
    bus.subscribe("IncidentOpened", "healthy", () => heard.push("healthy"));
    assert.doesNotThrow(() => bus.publish(opened));
    assert.deepEqual(heard, ["healthy"]);
    assert.deepEqual(failures, ["broken: boom"]);
  });

  it("reports a subscriber whose promise rejects", async () => {
    const failures: string[] = [];
    const bus = new EventBus(({ subscriber }) => failures.push(subscriber));
    bus.subscribe("IncidentOpened", "async", async () => {
      throw new Error("later");
    });
    bus.publish(opened);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(failures, ["async"]);
  });

  it("survives a failure reporter that throws", () => {
    const bus = new EventBus(() => {
      throw new Error("reporter down");
    });
    bus.subscribe("IncidentOpened", "broken", () => {
      throw new Error("boom");
    });
    assert.doesNotThrow(() => bus.publish(opened));
  });

  it("stops delivering once unsubscribed", () => {
    const bus = new EventBus();
    let count = 0;
    const unsubscribe = bus.subscribe("IncidentOpened", "counter", () => count++);
    bus.publish(opened);
    unsubscribe();
    bus.publish(opened);
    assert.equal(count, 1);
  });
});
