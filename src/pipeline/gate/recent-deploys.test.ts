import assert from "node:assert/strict";
import { describe, test } from "node:test";
import pino from "pino";
import { T0, testChange } from "../../changes/test-fixtures.ts";
import type { Change } from "../../core/change.ts";
import { ManualClock } from "../../core/clock.ts";
import { newId } from "../../core/ids.ts";
import type { Signal } from "../../core/signal.ts";
import { SqliteStore } from "../../store/sqlite/sqlite-store.ts";
import { buildSignal } from "../normalize/build-signal.ts";
import { gate } from "./gate.ts";
import { type DeploySuppressionConfig, RecentDeploys } from "./recent-deploys.ts";

const MINUTE = 60_000;
const logger = pino({ level: "silent" });

function deploy(fields: Partial<Change> = {}): Change {
  return testChange({ summary: "deploy v1.2.3 of checkout", version: "v1.2.3", ...fields });
}

function signal(fields: Partial<Signal> = {}): Signal {
  return buildSignal(
    { receivedAt: T0, source: "api" },
    {
      sourceId: newId(),
      kind: "alert",
      service: "checkout",
      severity: "high",
      title: "5xx up",
      message: "5xx up",
      occurredAt: T0,
      ...fields,
    },
  );
}

const config: DeploySuppressionConfig = { window: 10 * MINUTE, match: {}, kinds: ["deploy"], refreshInterval: 30_000 };

/** A cache fed only by add(): its store has nothing. */
function cache(clock = new ManualClock(T0), overrides: Partial<DeploySuppressionConfig> = {}) {
  return new RecentDeploys({
    changes: { find: async () => [] },
    clock,
    logger,
    config: { ...config, ...overrides },
  });
}

describe("deploy-aware suppression", () => {
  test("suppresses firing signals of the deployed service inside the window, naming the change", () => {
    const deploys = cache();
    const change = deploy();
    deploys.add([change]);
    const rules = { minimumScore: 0.85, maintenance: [], afterDeploy: (s: Signal) => deploys.suppressionFor(s) };
    const inside = gate(signal({ occurredAt: T0 + 3 * MINUTE }), rules);
    assert.equal(inside.pass, false);
    assert.ok(!inside.pass && inside.outcome === "suppressed");
    assert.ok(!inside.pass && inside.reason.includes(change.id) && inside.reason.includes("deploy v1.2.3 of checkout"));
    assert.equal(gate(signal({ occurredAt: T0 }), rules).pass, false, "the window starts at the deploy");
    assert.equal(gate(signal({ occurredAt: T0 + 10 * MINUTE }), rules).pass, true, "and ends after `window`");
    assert.equal(gate(signal({ occurredAt: T0 - 1 }), rules).pass, true, "before the deploy is not after it");
    assert.equal(gate(signal({ occurredAt: T0 + MINUTE, status: "resolved" }), rules).pass, true, "resolves always pass");
  });

  test("only the deployed service in the same tenant and environment, and only matching signals", () => {
    const deploys = cache(new ManualClock(T0), { match: { severity: ["medium", "low", "info"] } });
    deploys.add([deploy()]);
    const at = T0 + MINUTE;
    assert.equal(deploys.suppressionFor(signal({ occurredAt: at, severity: "medium" }))?.includes("checkout"), true);
    assert.equal(deploys.suppressionFor(signal({ occurredAt: at, severity: "critical" })), null, "match excludes critical");
    assert.equal(deploys.suppressionFor(signal({ occurredAt: at, severity: "low", service: "payments" })), null);
    assert.equal(deploys.suppressionFor(signal({ occurredAt: at, severity: "low", environment: "staging" })), null);
    assert.equal(deploys.suppressionFor(signal({ occurredAt: at, severity: "low", tenant: "globex" })), null);
  });

  test("config changes open no window unless their kind is configured", () => {
    const deploys = cache();
    deploys.add([deploy({ kind: "config" })]);
    assert.equal(deploys.suppressionFor(signal({ occurredAt: T0 + MINUTE })), null);
    const withConfig = cache(new ManualClock(T0), { kinds: ["deploy", "config"] });
    withConfig.add([deploy({ kind: "config" })]);
    assert.notEqual(withConfig.suppressionFor(signal({ occurredAt: T0 + MINUTE })), null);
  });

  test("judges the signal's own time: a late or replayed signal is treated as it was live", () => {
    const clock = new ManualClock(T0 + 5 * 3_600_000);
    const deploys = cache(clock);
    deploys.add([deploy()]);
    // Arrives five hours later (Kafka backlog, replay), but happened two minutes after the deploy.
    assert.notEqual(deploys.suppressionFor(signal({ occurredAt: T0 + 2 * MINUTE, receivedAt: clock.now() })), null);
    // Arrives now, long after the window, but happened before the deploy.
    assert.equal(deploys.suppressionFor(signal({ occurredAt: T0 - MINUTE, receivedAt: clock.now() })), null);
  });

  test("the newest deploy before the signal names the window", () => {
    const deploys = cache();
    const older = deploy({ at: T0, version: "v1" });
    const newer = deploy({ at: T0 + 4 * MINUTE, version: "v2" });
    deploys.add([newer, older]);
    assert.match(deploys.suppressionFor(signal({ occurredAt: T0 + 5 * MINUTE })) ?? "", /deploy v2 of checkout/);
    assert.match(deploys.suppressionFor(signal({ occurredAt: T0 + 2 * MINUTE })) ?? "", /deploy v1 of checkout/);
  });

  test("forgets deploys older than the retention, and reloads what other replicas stored", async () => {
    const store = await SqliteStore.open({ dataDir: ":memory:", synchronous: "full" });
    try {
      const clock = new ManualClock(T0);
      const replicaA = new RecentDeploys({ changes: store.changes, clock, logger, config });
      const change = deploy();
      // Stored by another replica: this one learns it on its next refresh, not before.
      await store.changes.insert([change]);
      assert.equal(replicaA.suppressionFor(signal({ occurredAt: T0 + MINUTE })), null);
      await replicaA.refresh();
      assert.notEqual(replicaA.suppressionFor(signal({ occurredAt: T0 + MINUTE })), null);
      assert.equal(replicaA.size, 1);
      clock.advance(25 * 3_600_000);
      await replicaA.refresh();
      assert.equal(replicaA.size, 0, "a day and a window later the deploy is forgotten");
    } finally {
      await store.close();
    }
  });
});
