import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FIRING_SCORE } from "../detection.ts";
import { HOUR, MINUTE, T0 } from "../test-fixtures.ts";
import { type BurnRateDetection, BurnRateDetector } from "./burn-rate.ts";

const INTERVAL = 10_000;

/** Drives the detector with `perSecond` requests per second and an error ratio that depends on time. */
class Traffic {
  good = 0;
  total = 0;
  time = T0;
  constructor(
    readonly detector: BurnRateDetector,
    readonly perSecond = 100,
  ) {}
  run(duration: number, errorRatio: number, step = INTERVAL): BurnRateDetection[] {
    const out: BurnRateDetection[] = [];
    for (let t = 0; t < duration; t += step) {
      this.time += step;
      const n = (this.perSecond * step) / 1000;
      this.total += n;
      this.good += n * (1 - errorRatio);
      out.push(this.detector.update(this.time, this.good, this.total));
    }
    return out;
  }
}

const firstFiring = (out: BurnRateDetection[]) => out.findIndex((d) => d.firing);

describe("BurnRateDetector", () => {
  it("pages within one evaluation interval of the workbook's detection time for a full outage (1h & 5m > 14.4)", () => {
    const traffic = new Traffic(new BurnRateDetector({ objective: 0.999 }));
    assert.equal(firstFiring(traffic.run(2 * HOUR, 0.0005)), -1, "burning at half the budget rate is normal");
    const outage = traffic.run(10 * MINUTE, 1);
    // Workbook: time to detect = factor × budget × long window / error ratio = 14.4 × 0.001 × 3600 s = 51.84 s.
    const firedAfter = (firstFiring(outage) + 1) * INTERVAL;
    assert.ok(firedAfter >= 51_840 && firedAfter < 51_840 + INTERVAL, `fired after ${firedAfter} ms`);
    const d = outage[firstFiring(outage)] as BurnRateDetection;
    assert.equal(d.alert, "page");
    assert.ok(d.score >= FIRING_SCORE);
    assert.match(d.reason, /over 1h and .* over 5m \(limit 14.4×\): page/);
  });

  it("pages a 2% error ratio (burn 20) after 43.2 minutes, as the workbook computes", () => {
    const traffic = new Traffic(new BurnRateDetector({ objective: 0.999 }));
    traffic.run(2 * HOUR, 0);
    const out = traffic.run(HOUR, 0.02, MINUTE);
    const firedAfter = (firstFiring(out) + 1) * MINUTE;
    assert.ok(firedAfter >= 43.2 * MINUTE && firedAfter < 43.2 * MINUTE + MINUTE, `fired after ${firedAfter / MINUTE} min`);
  });

  it("opens a ticket, not a page, for a slow burn (3d & 6h > 1)", () => {
    const traffic = new Traffic(new BurnRateDetector({ objective: 0.999 }), 10);
    const out = traffic.run(80 * HOUR, 0.003, 5 * MINUTE);
    const fired = out.filter((d) => d.firing);
    assert.ok(fired.length > 0);
    assert.ok(fired.every((d) => d.alert === "ticket"));
  });

  it("never fires below the traffic guard, however bad the ratio", () => {
    const traffic = new Traffic(new BurnRateDetector({ objective: 0.999, minEvents: 100 }), 0.01);
    const out = traffic.run(2 * HOUR, 1, MINUTE);
    // 0.01 requests per second is 36 an hour: below 100, so the 1h pair never speaks; the 6h pair reaches 100 events after about 2.8 hours.
    assert.equal(firstFiring(out), -1);
    assert.match(out[out.length - 1]?.reason ?? "", /fewer than 100 events/);
  });

  it("stops paging once the errors stop: the short windows clear it", () => {
    const traffic = new Traffic(new BurnRateDetector({ objective: 0.999 }));
    traffic.run(2 * HOUR, 0);
    traffic.run(10 * MINUTE, 1);
    const after = traffic.run(HOUR, 0);
    const cleared = after.findIndex((d) => !d.firing);
    // The 6h & 30m pair holds until the 30m window no longer burns 6×: 10 min of errors in 30 min is 33%.
    assert.ok(cleared > 0 && cleared * INTERVAL <= 30 * MINUTE + INTERVAL, `cleared after ${(cleared * INTERVAL) / MINUTE} min`);
    assert.ok(after.slice(cleared).every((d) => !d.firing));
  });

  it("treats a counter drop as a restart, not as a burst of errors or a negative count", () => {
    const d = new BurnRateDetector({ objective: 0.999 });
    let out: BurnRateDetection | undefined;
    for (let i = 1; i <= 360; i++) out = d.update(T0 + i * INTERVAL, i * 1000, i * 1000);
    // The process restarts: counters start again from a few hundred.
    for (let i = 1; i <= 30; i++) out = d.update(T0 + (360 + i) * INTERVAL, i * 1000, i * 1000);
    assert.equal(out?.firing, false);
    assert.equal(out?.burnRates["1h"], 0);
  });

  it("resumes from its snapshot with the same windows", () => {
    const a = new BurnRateDetector({ objective: 0.99 });
    const ta = new Traffic(a);
    ta.run(HOUR, 0.001);
    ta.run(5 * MINUTE, 0.5);
    const b = new BurnRateDetector({ objective: 0.99 }, JSON.parse(JSON.stringify(a.snapshot())));
    const next = ta.time + INTERVAL;
    assert.deepEqual(b.update(next, ta.good + 500, ta.total + 1000), a.update(next, ta.good + 500, ta.total + 1000));
  });

  it("rejects impossible inputs with a clear message", () => {
    assert.throws(() => new BurnRateDetector({ objective: 1 }), /objective/);
    assert.throws(
      () => new BurnRateDetector({ objective: 0.9, windows: [{ long: 5, short: 10, factor: 1, alert: "page" }] }),
      /short < long/,
    );
    assert.throws(() => new BurnRateDetector({ objective: 0.9 }).update(T0, 5, 3), /good \(5\) exceeds total \(3\)/);
  });
});
