import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { seededRandom } from "../../core/seeded-random.ts";
import { FIRING_SCORE } from "../detection.ts";
import { DAY, gaussian, HOUR, MINUTE, onsets, T0 } from "../test-fixtures.ts";
import { SeasonalDetector } from "./seasonal.ts";

const STEP = 10 * MINUTE;

/** Requests per second with a daily curve, quiet weekends and noise: what a service's traffic looks like. */
function traffic(time: number, noise: () => number): number {
  const hour = (time % DAY) / HOUR;
  const weekday = new Date(time).getUTCDay();
  const weekend = weekday === 0 || weekday === 6;
  const daily = 100 + 80 * Math.sin(((hour - 6) / 24) * 2 * Math.PI);
  return (weekend ? 0.4 : 1) * daily + 5 * noise();
}

function feed(d: SeasonalDetector, from: number, to: number, noise: () => number, override?: (t: number) => number | undefined) {
  const out = [];
  for (let t = from; t < to; t += STEP) out.push(d.update(t, override?.(t) ?? traffic(t, noise)));
  return out;
}

describe("SeasonalDetector", () => {
  it("stays quiet through normal weeks, and fires on a value normal for the week but not for its hour", () => {
    const noise = gaussian(21);
    const d = new SeasonalDetector();
    const learning = feed(d, T0, T0 + 14 * DAY, noise);
    assert.deepEqual(onsets(learning), [], "no alert while learning");
    const normal = feed(d, T0 + 14 * DAY, T0 + 28 * DAY, noise);
    assert.deepEqual(onsets(normal), [], "no alert in two normal weeks");
    // Tuesday 14:00 of week 5 runs at weekend night level (about 25, well inside the week's 10..190 range).
    const tuesday = T0 + 29 * DAY + 14 * HOUR;
    const week5 = feed(d, T0 + 28 * DAY, T0 + 30 * DAY, noise, (t) => (t >= tuesday && t < tuesday + HOUR ? 25 : undefined));
    const fired = onsets(week5).map((i) => T0 + 28 * DAY + i * STEP);
    assert.deepEqual(fired, [tuesday]);
    const at = week5[(tuesday - (T0 + 28 * DAY)) / STEP];
    assert.ok((at?.score as number) >= FIRING_SCORE);
    assert.match(at?.reason ?? "", /against a median of .* for hour 38 of the week/);
    assert.ok((at?.deviation as number) < -10);
  });

  it("never fires before `minHistory`, however far off a value is", () => {
    const noise = gaussian(22);
    const d = new SeasonalDetector({ period: "day", minHistory: 3 * DAY });
    const out = feed(d, T0, T0 + 2 * DAY, noise, (t) => (t === T0 + DAY + 12 * HOUR ? 10_000 : undefined));
    assert.deepEqual(onsets(out), []);
    assert.match(out[out.length - 1]?.reason ?? "", /learning the daily baseline/);
  });

  it("with direction `above`, ignores drops", () => {
    const noise = gaussian(23);
    const d = new SeasonalDetector({ period: "day", minHistory: 2 * DAY, direction: "above" });
    feed(d, T0, T0 + 5 * DAY, noise);
    const drop = feed(d, T0 + 5 * DAY, T0 + 6 * DAY, noise, (t) => (t < T0 + 5 * DAY + HOUR ? -500 : undefined));
    assert.deepEqual(onsets(drop), []);
    const rise = feed(d, T0 + 6 * DAY, T0 + 7 * DAY, noise, (t) => (t < T0 + 6 * DAY + HOUR ? 900 : undefined));
    assert.deepEqual(onsets(rise), [0]);
  });

  it("is calibrated: on normal traffic at most about 1 point in 1,000 scores 0.6 or more", () => {
    const noise = gaussian(24);
    const d = new SeasonalDetector({ period: "day", minHistory: 3 * DAY });
    const out = feed(d, T0, T0 + 120 * DAY, noise).slice((7 * DAY) / STEP);
    const rate = out.filter((x) => x.score >= 0.6).length / out.length;
    assert.ok(rate <= 2e-3, `${rate} of points scored ≥ 0.6 (p ≤ 1e-3)`);
  });

  it("resumes from its snapshot with the same baseline", () => {
    const noise = gaussian(25);
    const a = new SeasonalDetector({ period: "day", minHistory: DAY });
    feed(a, T0, T0 + 3 * DAY, noise);
    const b = new SeasonalDetector({ period: "day", minHistory: DAY }, JSON.parse(JSON.stringify(a.snapshot())));
    const t = T0 + 3 * DAY + 5 * HOUR;
    assert.deepEqual(b.update(t, 400), a.update(t, 400));
  });

  it("takes any configured season length: one alert for an inverted 10 s cycle, held through it, cleared on recovery", () => {
    // What the real-Prometheus suite serves: a 10 s cycle sampled every second with noise, then 20 s in antiphase
    // (every value stays inside the usual range; only its slot says it is wrong).
    const u = seededRandom(26);
    const d = new SeasonalDetector({ period: 10_000, slots: 10 });
    const out = [];
    for (let k = 0; k < 200; k++) {
      const t = T0 + k * 1000 + 3;
      const wave = 50 * Math.sin((2 * Math.PI * (t % 10_000)) / 10_000);
      out.push(d.update(t, 100 + (k >= 150 && k < 170 ? -wave : wave) + 4 * (u() - 0.5)));
    }
    const fired = onsets(out);
    assert.equal(fired.length, 1, `one alert, at ${fired}`);
    assert.ok((fired[0] as number) >= 150 && (fired[0] as number) <= 153, `fired at ${fired[0]}`);
    assert.ok(
      out.slice(fired[0], 170).every((x) => x.firing),
      "held for the whole anomaly",
    );
    assert.equal(out[175]?.firing, false, "cleared after recovery");
    assert.match(out[152]?.reason ?? "", /for slot 2 of 10 of the 10s season/);
  });

  it("does not teach the calibrator an alert in progress: a lasting anomaly keeps scoring", () => {
    const noise = gaussian(27);
    const d = new SeasonalDetector({ period: "day", minHistory: 3 * DAY });
    feed(d, T0, T0 + 6 * DAY, noise);
    const start = T0 + 6 * DAY + 12 * HOUR;
    const outage = feed(d, start, start + 2 * HOUR, noise, () => 5);
    assert.ok(
      outage.every((x) => x.score >= FIRING_SCORE),
      outage.map((x) => x.score.toFixed(2)).join(" "),
    );
  });

  it("numbers the slots of a configured season from the epoch, and refuses slots without a length", () => {
    const d = new SeasonalDetector({ period: 10_000, slots: 5 });
    assert.equal(d.slotOf(0), 0);
    assert.equal(d.slotOf(1_999), 0);
    assert.equal(d.slotOf(2_000), 1);
    assert.equal(d.slotOf(T0 + 9_999), 4);
    assert.throws(() => new SeasonalDetector({ period: "day", slots: 12 }), /`slots` is fixed for period "day"/);
    assert.throws(() => new SeasonalDetector({ period: 5, slots: 10 }), /at least one per slot/);
  });

  it("numbers hours of the week from Monday 00:00 UTC", () => {
    const d = new SeasonalDetector();
    assert.equal(d.slotOf(T0), 0);
    assert.equal(d.slotOf(T0 + 6 * DAY + 23 * HOUR), 167);
    assert.equal(new SeasonalDetector({ period: "day" }).slotOf(T0 + 30 * HOUR), 6);
  });
});
