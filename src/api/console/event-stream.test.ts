import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EventBus } from "../../core/events.ts";
import { EventStream } from "./event-stream.ts";

const opened = (n: number) => ({ type: "IncidentOpened" as const, incidentId: `i${n}`, at: n });

describe("EventStream", () => {
  const make = (capacity = 3) => {
    let now = 1000;
    const stream = new EventStream({ capacity, ticketTtlMs: 30_000, now: () => now });
    return { stream, advance: (ms: number) => (now += ms) };
  };

  it("replays what a client missed while it is still in the ring buffer", () => {
    const { stream } = make();
    const start = stream.lastId();
    stream.push(opened(1));
    stream.push(opened(2));
    const resume = stream.since(start);
    assert.equal(resume.kind, "replay");
    assert.deepEqual(resume.kind === "replay" ? resume.events.map((e) => (e.event as { incidentId: string }).incidentId) : [], [
      "i1",
      "i2",
    ]);
    const upToDate = stream.since(stream.lastId());
    assert.deepEqual(upToDate, { kind: "replay", events: [] });
  });

  it("asks for a reset beyond the buffer, after a restart and for ids it never gave out", () => {
    const { stream } = make(3);
    const start = stream.lastId();
    for (let n = 1; n <= 4; n++) stream.push(opened(n));
    assert.equal(stream.since(start).kind, "reset", "four events since, only three kept");
    const oneBack = `${stream.boot}-1`;
    const kept = stream.since(oneBack);
    assert.equal(kept.kind === "replay" ? kept.events.length : -1, 3, "i2..i4 are all still there");
    assert.equal(stream.since("0000beef-1").kind, "reset", "another process's id");
    assert.equal(stream.since(`${stream.boot}-99`).kind, "reset", "an id from the future");
    assert.equal(stream.since("garbage").kind, "reset");
  });

  it("follows the bus and tells live listeners", () => {
    const { stream } = make();
    const bus = new EventBus();
    const stop = stream.follow(bus);
    const heard: string[] = [];
    const unlisten = stream.listen((e) => heard.push(e.event.type));
    bus.publish(opened(1));
    bus.publish({ type: "DeliveriesQueued", at: 1, count: 2 });
    unlisten();
    bus.publish(opened(2));
    stop();
    bus.publish(opened(3));
    assert.deepEqual(heard, ["IncidentOpened", "DeliveriesQueued"]);
    assert.equal(stream.lastId(), `${stream.boot}-3`, "the third was kept for resuming, the fourth was not heard");
  });

  it("redeems a ticket once, and not after it expired", () => {
    const { stream, advance } = make();
    const first = stream.issueTicket("oncall", "responder");
    assert.deepEqual(stream.redeem(first.ticket), { principal: "oncall", role: "responder" });
    assert.equal(stream.redeem(first.ticket), null, "spent");
    const second = stream.issueTicket("oncall", "viewer");
    advance(30_000);
    assert.equal(stream.redeem(second.ticket), null, "expired");
    assert.equal(stream.redeem("made-up"), null);
  });
});
