import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { detectConfigSchema } from "../config/detect-config.ts";
import type { Sluice } from "../main.ts";
import { inMemorySluice } from "../testing/in-memory-sluice.ts";
import { ContextualDetector } from "./detectors/contextual.ts";
import type { EpisodeEvent } from "./episode.ts";
import { pageOnsets } from "./nab/nab-pages.ts";
import type { PromSeries } from "./prometheus-client.ts";
import { type RangeQuerier, RuleRunner } from "./rule-runner.ts";

const MINUTE = 60_000;
const T0 = Date.parse("2026-11-02T10:00:00Z");

/** A Prometheus that answers every query with one series whose value at time t is `value(t)`. */
function fakePrometheus(
  value: (t: number) => number | undefined,
  labels: Record<string, string>,
): RangeQuerier & { calls: number } {
  return {
    calls: 0,
    async queryRange(_query, start, end, step): Promise<PromSeries[]> {
      this.calls++;
      const samples: [number, number][] = [];
      for (let t = start; t <= end; t += step) {
        const v = value(t);
        if (v !== undefined) samples.push([t, v]);
      }
      return samples.length > 0 ? [{ labels, samples }] : [];
    },
  };
}

function rule(detector: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const parsed = detectConfigSchema.parse({
    prometheus: { url: "http://prometheus:9090" },
    rules: [
      {
        name: "cpu-high",
        query: "cpu_usage",
        interval: "1m",
        detector,
        labels: { service: { label: "job" }, severity: { label: "tier", map: { gold: "critical" }, default: "low" } },
        ...extra,
      },
    ],
  });
  return parsed.rules[0] as (typeof parsed.rules)[number];
}

const LABELS = { __name__: "cpu_usage", job: "checkout", instance: "a", tier: "gold" };

function runnerFor(
  sluice: Sluice,
  clock: { now(): number },
  prometheus: RangeQuerier,
  detector: Record<string, unknown>,
  owner = "one",
) {
  return new RuleRunner({
    rule: rule(detector),
    prometheus,
    prometheusUrl: "http://prometheus:9090",
    repository: sluice.store.detect,
    submit: (signals) => sluice.runner.submit(signals),
    clock,
    owner,
    heartbeatMs: 5 * MINUTE,
  });
}

async function incidents(sluice: Sluice) {
  return (await sluice.store.incidents.list({ limit: 50 })).items;
}

describe("rule runner", () => {
  it("opens one incident per episode with the mapped service and severity, keeps it while firing, and resolves it on recovery", async () => {
    const { sluice, clock } = await inMemorySluice({}, T0);
    try {
      const stepAt = T0 + 10 * MINUTE;
      const recoverAt = T0 + 40 * MINUTE;
      const cpu = (t: number) => (t >= stepAt && t < recoverAt ? 97 : 40 + ((t / MINUTE) % 3));
      const runner = runnerFor(sluice, clock, fakePrometheus(cpu, LABELS), { kind: "threshold", above: 90 });
      for (let minute = 0; minute < 10; minute++) {
        await runner.evaluate();
        clock.advance(MINUTE);
      }
      assert.deepEqual(await incidents(sluice), [], "nothing during the normal phase");
      for (let minute = 10; minute < 40; minute++) {
        await runner.evaluate();
        clock.advance(MINUTE);
      }
      const firing = await incidents(sluice);
      assert.equal(firing.length, 1, "one incident for the whole 30-minute episode");
      const [incident] = firing;
      assert.equal(incident?.service, "checkout");
      assert.equal(incident?.severity, "critical");
      assert.equal(incident?.kind, "anomaly");
      assert.equal(incident?.state, "open");
      const signals = await sluice.store.incidents.signals(incident?.id as string, 50);
      assert.equal(signals.length, 6, "the onset and a heartbeat every 5 minutes (15, 20, 25, 30, 35)");
      assert.match(signals[0]?.message ?? "", /cpu-high: 97 is above the limit 90/);
      const evaluation = await runner.evaluate();
      assert.equal(evaluation.events[0]?.status, "resolved");
      const [after] = await incidents(sluice);
      assert.equal(after?.state, "resolved");
    } finally {
      await sluice.close();
    }
  });

  it("keeps the detector's state across a restart: a flatline started before it fires after it", async () => {
    const { sluice, clock } = await inMemorySluice({}, T0);
    try {
      const flatFrom = T0 + 5 * MINUTE;
      const value = (t: number) => (t < flatFrom ? t / MINUTE : 7);
      const flatline = { kind: "flatline", for: "10m" };
      const before = runnerFor(sluice, clock, fakePrometheus(value, LABELS), flatline);
      for (let minute = 0; minute < 12; minute++) {
        await before.evaluate();
        clock.advance(MINUTE);
      }
      await before.release();
      // A new process: nothing in memory, the states and the rule's progress come from the store.
      const prometheus = fakePrometheus(value, LABELS);
      const afterRestart = runnerFor(sluice, clock, prometheus, flatline, "two");
      const fired: number[] = [];
      for (let minute = 12; minute < 20; minute++) {
        const evaluation = await afterRestart.evaluate();
        if (evaluation.events.some((e) => e.status === "firing")) fired.push(minute);
        clock.advance(MINUTE);
      }
      assert.deepEqual(fired, [15], "flat since minute 5, for 10 minutes at minute 15");
      assert.equal((await incidents(sluice)).length, 1);
    } finally {
      await sluice.close();
    }
  });

  it("keeps a seasonal baseline across a restart: the first anomalous sample after it fires, with no re-learning", async () => {
    const { sluice, clock } = await inMemorySluice({}, T0);
    try {
      // A 10-minute cycle sampled every minute (slots of one minute), with a little deterministic wobble.
      const wave = (t: number) => 100 + 50 * Math.sin((2 * Math.PI * (t % (10 * MINUTE))) / (10 * MINUTE));
      let inverted = false;
      const value = (t: number) => (inverted ? 200 - wave(t) : wave(t)) + ((t / MINUTE) % 3) - 1;
      const seasonal = { kind: "seasonal", period: "10m", slots: 10 };
      const before = runnerFor(sluice, clock, fakePrometheus(value, LABELS), seasonal);
      for (let minute = 0; minute < 120; minute++) {
        assert.deepEqual((await before.evaluate()).events, [], `nothing while learning and normal (minute ${minute})`);
        clock.advance(MINUTE);
      }
      await before.release();
      // A new process: the slots and the calibrator come back from the store, so the very first anomalous
      // evaluation after the restart can fire (a re-learning detector would stay silent for 100 minutes).
      const afterRestart = runnerFor(sluice, clock, fakePrometheus(value, LABELS), seasonal, "two");
      clock.advance(2 * MINUTE); // minute 122: sin is at its peak, the antiphase is at its trough
      inverted = true;
      const evaluation = await afterRestart.evaluate();
      // The catch-up covers minutes 120 and 121 (evaluated as anomalous too, since `inverted` is read at query time).
      assert.equal(evaluation.points, 3);
      assert.deepEqual(
        evaluation.events.map((e) => e.status),
        ["firing"],
      );
      assert.equal((await incidents(sluice)).length, 1);
    } finally {
      await sluice.close();
    }
  });

  it("with a rule's own minimumScore, opens episodes at that score and its events pass the gate below anomaly.minimumScore", async () => {
    const cpu = (t: number) => (t >= T0 + 10 * MINUTE && t < T0 + 20 * MINUTE ? 88 : 40 + ((t / MINUTE) % 3));
    const threshold = { kind: "threshold", above: 90 };
    const outcomes: Record<string, number> = {};
    for (const minimumScore of [undefined, 0.6, 0.95]) {
      const extra = minimumScore === undefined ? {} : { minimumScore };
      const configured = rule(threshold, extra);
      // The gate learns the rule's minimum from the configuration, as `sluice serve` wires it.
      const { sluice, clock } = await inMemorySluice(
        {
          detect: {
            prometheus: { url: "http://prometheus:9090" },
            rules: [{ ...configured, interval: "1m", detector: threshold }],
          },
        },
        T0,
      );
      try {
        const runner = new RuleRunner({
          rule: configured,
          prometheus: fakePrometheus(cpu, LABELS),
          prometheusUrl: "http://prometheus:9090",
          repository: sluice.store.detect,
          submit: (signals) => sluice.runner.submit(signals),
          clock,
          owner: "one",
          heartbeatMs: 5 * MINUTE,
        });
        for (let minute = 0; minute < 25; minute++) {
          await runner.evaluate();
          clock.advance(MINUTE);
        }
        const list = await incidents(sluice);
        outcomes[String(minimumScore)] = list.length;
        if (minimumScore === 0.6) {
          assert.equal(list[0]?.state, "resolved", "resolved once the score fell below the rule's minimum");
          const signals = await sluice.store.incidents.signals(list[0]?.id as string, 50);
          assert.ok(
            signals.every((signal) => (signal.score ?? 1) < 0.85),
            "scored below the global 0.85, still passed",
          );
        }
      } finally {
        await sluice.close();
      }
    }
    // 88 against a limit of 90 scores 0.68: below the threshold's own firing condition (0.85) and below 0.95.
    assert.deepEqual(outcomes, { undefined: 0, "0.6": 1, "0.95": 0 });
  });

  it("with a rule's own minimumScore, holds a contextual rule's episode for the detector's episode length: one page for a burst", async () => {
    // A wavering level, then a burst of growing spikes every 4 minutes: each is news to the detector, so several
    // score at the minimum; with the hold (episode: 10 evaluations) they are one episode, resolved 10 quiet minutes later.
    const value = (t: number) => {
      const minute = Math.round((t - T0) / MINUTE);
      const spike = minute >= 80 && minute <= 92 && minute % 4 === 0 ? 8 + (minute - 80) * 2 : 0;
      return 40 + 4 * Math.sin(minute * 1.7) + 3 * Math.sin(minute * 0.37) + spike;
    };
    const detector = { kind: "contextual", baselineMemory: 30, episode: 10 };
    const minimumScore = 0.3;
    const configured = rule(detector, { minimumScore });
    // The gate learns the rule's minimum from the configuration, as `sluice serve` wires it.
    const { sluice, clock } = await inMemorySluice(
      { detect: { prometheus: { url: "http://prometheus:9090" }, rules: [{ ...configured, interval: "1m", detector }] } },
      T0,
    );
    try {
      const runner = new RuleRunner({
        rule: configured,
        prometheus: fakePrometheus(value, LABELS),
        prometheusUrl: "http://prometheus:9090",
        repository: sluice.store.detect,
        submit: (signals) => sluice.runner.submit(signals),
        clock,
        owner: "one",
        heartbeatMs: 60 * MINUTE,
      });
      const sent: EpisodeEvent[] = [];
      for (let minute = 0; minute < 120; minute++) {
        sent.push(...(await runner.evaluate()).events);
        clock.advance(MINUTE);
      }
      // The same detector offline: how many points reach the minimum, and where the pages are.
      const offline = new ContextualDetector({ baselineMemory: 30, episode: 10 });
      const scores: number[] = [];
      const firing: number[] = [];
      for (let minute = 0; minute < 120; minute++) {
        const d = offline.update(T0 + minute * MINUTE, value(T0 + minute * MINUTE));
        scores.push(d.score);
        firing.push(d.firing ? 1 : 0);
      }
      const reached = scores.filter((score) => score >= minimumScore).length;
      const onsets = pageOnsets({ scores, firing, hold: offline.holdEvaluations }, minimumScore);
      assert.ok(reached >= 2, `several spikes reach the minimum (${reached})`);
      assert.deepEqual(
        sent.filter((e) => e.status === "firing").map((e) => (e.start - T0) / MINUTE),
        [...onsets.keys()].filter((i) => onsets[i] === 1),
        "the runner pages where the NAB bench counts a detection",
      );
      assert.equal(sent.filter((e) => e.status === "firing").length, 1, "one page for the burst");
      const resolved = sent.find((e) => e.status === "resolved");
      assert.ok(resolved, "resolved after the hold");
      assert.equal((await incidents(sluice)).length, 1);
    } finally {
      await sluice.close();
    }
  });

  it("evaluates the same samples again after a failed submit, and ingest de-duplicates their events", async () => {
    const { sluice, clock } = await inMemorySluice({}, T0);
    try {
      let failNext = false;
      const seen: string[] = [];
      const runner = new RuleRunner({
        rule: rule({ kind: "threshold", above: 90 }),
        prometheus: fakePrometheus((t) => (t >= T0 + 2 * MINUTE ? 95 : 10), LABELS),
        prometheusUrl: "http://prometheus:9090",
        repository: sluice.store.detect,
        submit: async (signals) => {
          seen.push(...signals.map((s) => s.sourceId));
          if (failNext) {
            failNext = false;
            await sluice.runner.submit(signals);
            throw new Error("the caller lost the answer");
          }
          return sluice.runner.submit(signals);
        },
        clock,
        owner: "one",
        heartbeatMs: 5 * MINUTE,
      });
      await runner.evaluate();
      clock.advance(2 * MINUTE);
      failNext = true;
      await assert.rejects(runner.evaluate(), /lost the answer/);
      clock.advance(MINUTE);
      const retried = await runner.evaluate();
      assert.equal(retried.points, 3, "minutes 1 to 3: the failed evaluation's points again");
      assert.equal(seen.length, 2, seen.join(" "));
      assert.equal(seen[0], seen[1], "the same event id both times");
      const [incident] = await incidents(sluice);
      assert.equal((await sluice.store.incidents.signals(incident?.id as string, 10)).length, 1, "stored once");
    } finally {
      await sluice.close();
    }
  });

  it("lets only the lease holder evaluate a rule", async () => {
    const { sluice, clock } = await inMemorySluice({}, T0);
    try {
      const prometheus = fakePrometheus(() => 10, LABELS);
      const one = runnerFor(sluice, clock, prometheus, { kind: "threshold", above: 90 }, "one");
      const two = runnerFor(sluice, clock, prometheus, { kind: "threshold", above: 90 }, "two");
      assert.equal((await one.evaluate()).held, true);
      assert.equal((await two.evaluate()).held, false);
      assert.equal(prometheus.calls, 1, "the replica without the lease does not query");
      clock.advance(MINUTE);
      assert.equal((await one.evaluate()).points, 1);
      await one.release();
      clock.advance(MINUTE);
      const taken = await two.evaluate();
      assert.deepEqual([taken.held, taken.points], [true, 1], "continues from the last committed point");
    } finally {
      await sluice.close();
    }
  });
});
