import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { detectConfigSchema } from "../config/detect-config.ts";
import type { Change } from "../core/change.ts";
import type { ManualClock } from "../core/clock.ts";
import type { Sluice } from "../main.ts";
import { inMemorySluice } from "../testing/in-memory-sluice.ts";
import { signal } from "../testing/store-contract.ts";
import { RuleRunner } from "./rule-runner.ts";
import { SignalStreamQuerier } from "./signal-stream.ts";

const MINUTE = 60_000;
const T0 = Date.parse("2026-11-02T10:00:00Z");

function ruleOf(detector: Record<string, unknown>) {
  const parsed = detectConfigSchema.parse({
    rules: [
      {
        name: "errors",
        interval: "1m",
        signals: { by: "pattern" },
        detector,
        labels: { service: { label: "service" }, severity: "high" },
      },
    ],
  });
  return parsed.rules[0] as (typeof parsed.rules)[number];
}

function runnerFor(sluice: Sluice, clock: ManualClock, detector: Record<string, unknown>) {
  const rule = ruleOf(detector);
  return new RuleRunner({
    rule,
    prometheus: new SignalStreamQuerier(rule, sluice.store.detect, sluice.store.changes),
    prometheusUrl: "",
    repository: sluice.store.detect,
    submit: (signals) => sluice.runner.submit(signals),
    clock,
    owner: "one",
    heartbeatMs: 5 * MINUTE,
  });
}

/** Error logs as an application sends them: `count` of one message shape, received now. */
async function logs(sluice: Sluice, clock: ManualClock, service: string, count: number, message: (n: number) => string) {
  const now = clock.now();
  const batch = Array.from({ length: count }, (_, n) =>
    signal({
      source: "app",
      kind: "log",
      service,
      score: null,
      receivedAt: now,
      occurredAt: now,
      message: message(n),
      title: "",
      errorPattern: "",
    }),
  );
  if (batch.length > 0) await sluice.runner.submit(batch);
}

/** Incidents the rule opened (the logs open incidents of their own too). */
async function detections(sluice: Sluice) {
  const { items } = await sluice.store.incidents.list({ limit: 100 });
  return items.filter((i) => /^(rate-spike|new-pattern) in /.test(i.title));
}

describe("signal-stream rules", () => {
  it("rate-spike: one incident when one error pattern's rate jumps against its own baseline, resolved after", async () => {
    const { sluice, clock } = await inMemorySluice({}, T0);
    try {
      const runner = runnerFor(sluice, clock, { kind: "rate-spike", minPoints: 5 });
      const reset = (n: number) => `connection to db-${n % 3} reset after ${100 + n} ms`;
      const timeout = (n: number) => `upstream ledger timed out after ${n + 1} s`;
      for (let minute = 0; minute < 30; minute++) {
        clock.advance(10_000);
        await logs(sluice, clock, "checkout", minute >= 20 && minute < 23 ? 40 : 2 + (minute % 2), reset);
        await logs(sluice, clock, "ledger", 3, timeout);
        clock.advance(MINUTE - 10_000);
        await runner.evaluate();
        if (minute === 19) assert.deepEqual(await detections(sluice), [], "nothing at a steady rate");
      }
      const found = await detections(sluice);
      assert.equal(found.length, 1, found.map((i) => i.title).join("; "));
      assert.match(found[0]?.title ?? "", /^rate-spike in checkout: errors: 40 signals against a baseline of/);
      assert.equal(found[0]?.severity, "high");
      assert.equal(found[0]?.state, "resolved", "resolved once the rate was back");
    } finally {
      await sluice.close();
    }
  });

  it("new-pattern: one incident for a pattern first seen after a deploy of its service; none without a deploy or for a known one", async () => {
    const { sluice, clock } = await inMemorySluice({}, T0);
    try {
      const runner = runnerFor(sluice, clock, { kind: "new-pattern", after: "30m", hold: "10m" });
      const known = (n: number) => `cache miss for key session-${n} on shard ${n % 4}`;
      for (let minute = 0; minute < 20; minute++) {
        clock.advance(10_000);
        await logs(sluice, clock, "checkout", 2, known);
        if (minute === 10) await deploy(sluice, clock.now(), "checkout");
        if (minute === 12) {
          await logs(sluice, clock, "checkout", 3, (n) => `payment provider rejected card with code ${400 + n}`);
          // A new pattern in a service that did not change: not this detector's business.
          await logs(sluice, clock, "search", 3, (n) => `index shard ${n} is read-only`);
        }
        clock.advance(MINUTE - 10_000);
        await runner.evaluate();
      }
      const found = await detections(sluice);
      assert.deepEqual(
        found.map((i) => i.service),
        ["checkout"],
      );
      assert.match(found[0]?.title ?? "", /appeared 120s after a deploy of its service/);
      const [detail] = await sluice.store.incidents.signals(found[0]?.id as string, 1);
      assert.match(detail?.labels.pattern ?? "", /^payment provider rejected card with code/);
      assert.equal(found[0]?.state, "open", "held for `hold`");
    } finally {
      await sluice.close();
    }
  });
});

async function deploy(sluice: Sluice, at: number, service: string): Promise<void> {
  const change: Change = {
    id: `chg-${at}`,
    source: "sluice",
    sourceId: `deploy-${at}`,
    tenant: "acme",
    service,
    environment: "production",
    kind: "deploy",
    summary: `deploy ${service} v2`,
    at,
    version: "v2",
    author: null,
    url: null,
    labels: {},
    receivedAt: at,
  };
  await sluice.store.changes.insert([change]);
}
