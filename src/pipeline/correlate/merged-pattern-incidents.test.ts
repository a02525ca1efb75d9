import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { OpenIncident } from "../../core/ports/store.ts";
import type { Signal } from "../../core/signal.ts";
import { fingerprintOf } from "./fingerprint.ts";
import { MergedPatternIncidents, PATTERN_MERGE, type PreparedPatternSignal } from "./merged-pattern-incidents.ts";
import { type PlanContext, planBatch } from "./plan-batch.ts";

const NOW = 10_000_000;
const LOOKBACK = 15 * 60_000;

function signal(id: string, fields: Partial<Signal> = {}): Signal {
  return { id, tenant: "acme", service: "sso", environment: "production", status: "firing", ...fields } as Signal;
}

function prepared(s: Signal, patternId: string, pass = true): PreparedPatternSignal {
  return { signal: s, fingerprint: fingerprintOf(s, patternId), patternId, verdict: { pass } };
}

function incident(id: string, fingerprint: string, firstSeenAt: number, lastSeenAt = NOW - 60_000): OpenIncident {
  return {
    id,
    number: Number(id.replace(/\D/g, "")),
    fingerprint,
    kind: "anomaly",
    severity: "high",
    state: "open",
    firstSeenAt,
    lastSeenAt,
    platforms: ["memory"],
    version: 1,
    firingAlerts: new Set(),
  };
}

/** The merger over a fake store holding `stored` open incidents; records lookups and merges. */
function setup(aliases: Record<string, string[]>, stored: OpenIncident[]) {
  const lookups: string[][] = [];
  const merges: [string, string, string][] = [];
  const merger = new MergedPatternIncidents({
    store: {
      incidents: {
        findOpen: async (fingerprints: readonly string[]) => {
          lookups.push([...fingerprints]);
          return new Map(stored.filter((i) => fingerprints.includes(i.fingerprint)).map((i) => [i.fingerprint, i]));
        },
      } as never,
    },
    aliasesOf: (id) => aliases[id] ?? [],
    lookbackMs: LOOKBACK,
  });
  merger.useMerge(async (from, into, _reason, why) => {
    merges.push([from, into, why.action]);
  });
  return { merger, lookups, merges };
}

describe("MergedPatternIncidents", () => {
  const a = signal("s1");
  const b = signal("s2");

  it("costs no lookup for signals whose patterns never merged", async () => {
    const { merger, lookups } = setup({}, []);
    const targets = await merger.consolidate([prepared(a, "pSurvivor")], new Map(), NOW);
    assert.equal(targets.size, 0);
    assert.deepEqual(lookups, []);
  });

  it("sends the problem's signals to the incident its merged pattern opened, when the survivor's has none", async () => {
    const old = incident("i1", fingerprintOf(a, "pMerged"), NOW - 300_000);
    const { merger, merges } = setup({ pSurvivor: ["pMerged"] }, [old]);
    const open = new Map<string, OpenIncident>();
    const targets = await merger.consolidate([prepared(a, "pSurvivor"), prepared(b, "pSurvivor")], open, NOW);
    assert.deepEqual(
      [...targets].map(([id, t]) => [id, t.fingerprint, t.why]),
      [
        ["s1", old.fingerprint, "merged-pattern"],
        ["s2", old.fingerprint, "merged-pattern"],
      ],
    );
    assert.equal(open.get(old.fingerprint), old, "the planner can join it");
    assert.deepEqual(merges, []);
  });

  it("keeps the oldest open incident of the problem and merges the others into it", async () => {
    const own = incident("i3", fingerprintOf(a, "pSurvivor"), NOW - 100_000);
    const oldest = incident("i1", fingerprintOf(a, "pOne"), NOW - 500_000);
    const middle = incident("i2", fingerprintOf(a, "pTwo"), NOW - 300_000);
    const { merger, merges } = setup({ pSurvivor: ["pOne", "pTwo"] }, [oldest, middle]);
    const open = new Map([[own.fingerprint, own]]);
    const targets = await merger.consolidate([prepared(a, "pSurvivor")], open, NOW);
    assert.deepEqual(merges, [
      ["i2", "i1", PATTERN_MERGE.action],
      ["i3", "i1", PATTERN_MERGE.action],
    ]);
    assert.equal(open.has(own.fingerprint), false, "the merged one is no longer open to join");
    assert.equal(targets.get("s1")?.fingerprint, oldest.fingerprint);
  });

  it("leaves alone incidents whose last signal is older than the lookback window, and signals that do not open incidents", async () => {
    const stale = incident("i1", fingerprintOf(a, "pMerged"), NOW - 3_600_000, NOW - LOOKBACK - 1);
    const { merger, merges } = setup({ pSurvivor: ["pMerged"] }, [stale]);
    assert.equal((await merger.consolidate([prepared(a, "pSurvivor")], new Map(), NOW)).size, 0);
    const fresh = incident("i2", fingerprintOf(a, "pMerged"), NOW - 60_000);
    const second = setup({ pSurvivor: ["pMerged"] }, [fresh]);
    const gated = await second.merger.consolidate([prepared(a, "pSurvivor", false)], new Map(), NOW);
    const resolvedSignal = await second.merger.consolidate(
      [prepared(signal("s3", { status: "resolved" }), "pSurvivor")],
      new Map(),
      NOW,
    );
    assert.equal(gated.size + resolvedSignal.size, 0);
    assert.deepEqual([...merges, ...second.merges], []);
  });

  it("does not merge across services: the fingerprint of a merged pattern is the signal's own service's", async () => {
    const otherService = incident("i1", fingerprintOf(signal("x", { service: "billing" }), "pMerged"), NOW - 60_000);
    const { merger } = setup({ pSurvivor: ["pMerged"] }, [otherService]);
    assert.equal((await merger.consolidate([prepared(a, "pSurvivor")], new Map(), NOW)).size, 0);
  });
});

describe("a merged-pattern join in the planner", () => {
  it("joins the target incident, notes it once on the timeline as pattern-joined, and gives the signal the reason", async () => {
    const a = signal("s1", { source: "api", sourceId: "s1", occurredAt: NOW, severity: "high" } as Partial<Signal>);
    const b = signal("s2", { source: "api", sourceId: "s2", occurredAt: NOW, severity: "high" } as Partial<Signal>);
    const old = incident("i1", fingerprintOf(a, "pMerged"), NOW - 300_000);
    const { merger } = setup({ pSurvivor: ["pMerged"] }, [old]);
    const items = [prepared(a, "pSurvivor"), prepared(b, "pSurvivor")].map((p) => ({ ...p, verdict: { pass: true as const } }));
    const open = new Map<string, OpenIncident>();
    const targets = await merger.consolidate(items, open, NOW);
    const context: PlanContext = {
      lookbackMs: LOOKBACK,
      now: NOW,
      route: () => ({ platforms: ["memory"], rule: "all", unavailable: [] }),
    };
    const plan = planBatch(items, open, new Set(), context, new Map(), targets);
    assert.deepEqual(
      plan.decisions.map((d) => [d.outcome, d.incidentId]),
      [
        ["deduplicated", "i1"],
        ["deduplicated", "i1"],
      ],
    );
    assert.equal(plan.opened.length, 0, "no new incident, no page");
    const noted = plan.changes.timeline.filter((e) => e.action === "pattern-joined");
    assert.equal(noted.length, 1);
    assert.match(noted[0]?.rule ?? "", /^merged patterns: /);
    assert.match(noted[0]?.detail ?? "", /^sso: its error pattern absorbed pMerged/);
    assert.match(plan.decisions[0]?.reason ?? "", /^same problem under a merged pattern: /);
  });
});
