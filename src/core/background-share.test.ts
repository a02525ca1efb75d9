import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BackgroundShare } from "./background-share.ts";

/** A share over a manual clock and a scripted event-loop utilization. */
function shareOver(minShare: number) {
  const state = { now: 0, busy: 1, arriving: true, pressure: 0, slept: [] as number[] };
  const share = new BackgroundShare(minShare, {
    now: () => state.now,
    utilization: () => state.busy,
    sleep: async (ms) => {
      state.slept.push(ms);
    },
  });
  share.measure(
    () => state.arriving,
    () => state.pressure,
  );
  /** One pipeline batch of `ms` behind the log (its oldest signal a second old), at the next correction window. */
  const unit = (ms: number, lagMs = 1_000) => {
    state.now += 100;
    share.ran(ms, lagMs);
  };
  return { state, share, unit };
}

describe("background share (acknowledgements first)", () => {
  it("never pauses before ingest says where to look (acknowledge: applied)", async () => {
    const slept: number[] = [];
    const share = new BackgroundShare(0.1, { now: () => 0, utilization: () => 1, sleep: async (ms) => void slept.push(ms) });
    share.ran(50, 1_000);
    await share.turn();
    assert.equal(share.current, 1);
    assert.deepEqual(slept, []);
  });

  it("shrinks to the requests' leftovers while they saturate the loop, never below minShare", () => {
    const { share, unit } = shareOver(0.1);
    assert.equal(share.current, 1);
    for (let i = 0; i < 3; i++) unit(5);
    assert.ok(share.current < 0.5 && share.current > 0.1, `share ${share.current}`);
    for (let i = 0; i < 20; i++) unit(5);
    assert.equal(share.current, 0.1);
  });

  it("pauses after a unit for as long as its share says: 5 ms at a tenth leaves 45 ms to the requests", async () => {
    const { state, share, unit } = shareOver(0.1);
    for (let i = 0; i < 20; i++) unit(5);
    state.slept.length = 0;
    state.now += 5;
    await share.turn();
    assert.deepEqual(state.slept, [40], "45 ms after the unit ended, 5 of them gone");
    state.now += 40;
    await share.turn();
    assert.deepEqual(state.slept, [40], "past the pause: no wait");
  });

  it("does not pause a pipeline that keeps up, saturated or not: that would only delay work it must do anyway", async () => {
    const { state, share, unit } = shareOver(0.1);
    for (let i = 0; i < 20; i++) unit(5, 20);
    assert.equal(share.current, 0.1, "the loop is saturated");
    await share.turn();
    assert.deepEqual(state.slept, []);
    unit(5, 150);
    state.now += 5;
    await share.turn();
    assert.deepEqual(state.slept, [40], "fallen behind: it pauses");
  });

  it("does not pause while the loop has room (a rate the process applies in full is never held back)", async () => {
    const { state, share, unit } = shareOver(0.1);
    state.busy = 0.6;
    for (let i = 0; i < 5; i++) unit(5);
    await share.turn();
    assert.equal(share.current, 1);
    assert.deepEqual(state.slept, []);
  });

  it("grows back while the loop has room, and is all of it once requests stop", () => {
    const { state, share, unit } = shareOver(0.1);
    for (let i = 0; i < 20; i++) unit(5);
    state.busy = 0.5;
    for (let i = 0; i < 3; i++) unit(5);
    assert.ok(share.current > 0.1 && share.current < 1, `share ${share.current}`);
    state.arriving = false;
    unit(5);
    assert.equal(share.current, 1);
  });

  it("rises with the log's pressure: a sustained overload gets the pipeline all of the loop at the bounds", () => {
    const { state, share, unit } = shareOver(0.1);
    for (let i = 0; i < 20; i++) unit(5);
    state.pressure = 0.6;
    assert.equal(share.current, 0.6);
    state.pressure = 1.7;
    assert.equal(share.current, 1);
    assert.equal(share.pressure(), 1);
  });
});
