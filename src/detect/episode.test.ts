import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Detection } from "./detection.ts";
import { advanceEpisode, type EpisodeEvent, NO_EPISODE } from "./episode.ts";

const MIN = 60_000;
const at = (minute: number, firing: boolean, score: number): Detection => ({
  time: minute * MIN,
  firing,
  score,
  reason: "r",
  value: 1,
});

function replay(detections: Detection[], heartbeatMs: number, minimumScore?: number, hold?: number): EpisodeEvent[] {
  let state = NO_EPISODE;
  const events: EpisodeEvent[] = [];
  for (const d of detections) {
    const step = advanceEpisode(state, d, heartbeatMs, minimumScore, hold);
    state = step.state;
    if (step.event) events.push(step.event);
  }
  return events;
}

describe("detection episodes", () => {
  it("sends one firing event at onset, a heartbeat per period while firing, and the resolve on recovery", () => {
    const detections = [
      at(0, false, 0.2),
      at(1, true, 0.9),
      at(2, true, 0.97),
      at(3, true, 0.86),
      at(4, true, 0.85),
      at(5, true, 0.85),
      at(6, false, 0.1),
      at(7, false, 0.1),
    ];
    const events = replay(detections, 2 * MIN);
    assert.deepEqual(
      events.map((e) => [e.status, e.id, e.peak]),
      [
        ["firing", String(MIN), 0.9],
        ["firing", `${MIN}.1`, 0.97],
        ["firing", `${MIN}.2`, 0.97],
        ["resolved", `${MIN}.resolved`, 0.97],
      ],
    );
  });

  it("gives the same ids when the same detections are evaluated again, and new ids to a new episode", () => {
    const detections = [at(1, true, 0.9), at(2, false, 0), at(5, true, 0.95), at(6, false, 0)];
    const once = replay(detections, 10 * MIN).map((e) => e.id);
    assert.deepEqual(
      once,
      replay(detections, 10 * MIN).map((e) => e.id),
    );
    assert.equal(new Set(once).size, 4);
  });

  it("with a minimum score, begins at that score and lasts while the score or the detector's hysteresis holds it", () => {
    const detections = [
      at(0, false, 0.3),
      at(1, false, 0.62),
      at(2, false, 0.7),
      at(3, true, 0.9),
      at(4, true, 0.4),
      at(5, false, 0.1),
    ];
    const low = replay(detections, 60 * MIN, 0.6).map((e) => `${e.status}@${e.start / MIN}:${e.detection.time / MIN}`);
    assert.deepEqual(low, ["firing@1:1", "resolved@1:5"]);
    const high = replay(detections, 60 * MIN, 0.95);
    assert.deepEqual(high, [], "never reached 0.95: no episode, although the detector fired");
    const usual = replay(detections, 60 * MIN).map((e) => `${e.status}@${e.detection.time / MIN}`);
    assert.deepEqual(usual, ["firing@3", "resolved@5"], "without one, the detector's own firing decides");
  });

  it("with a hold, an episode begun at the minimum score lasts until that many evaluations in a row score below it", () => {
    // A statistical detector scores an episode's news: 0.6, nothing, then 0.7 three points later.
    const detections = [
      at(0, false, 0.6),
      at(1, false, 0),
      at(2, false, 0),
      at(3, false, 0.7),
      ...[4, 5, 6, 7].map((m) => at(m, false, 0)),
    ];
    const held = replay(detections, 60 * MIN, 0.5, 3).map((e) => `${e.status}@${e.start / MIN}:${e.detection.time / MIN}`);
    assert.deepEqual(held, ["firing@0:0", "resolved@0:6"], "one episode, resolved after three quiet evaluations");
    const unheld = replay(detections, 60 * MIN, 0.5).map((e) => `${e.status}@${e.start / MIN}:${e.detection.time / MIN}`);
    assert.deepEqual(
      unheld,
      ["firing@0:0", "resolved@0:1", "firing@3:3", "resolved@3:4"],
      "without it, every score at the minimum pages",
    );
    assert.deepEqual(replay(detections, 60 * MIN, undefined, 3), [], "the hold applies only to a rule's own minimum score");
  });
});
