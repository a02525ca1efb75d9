import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SluiceError } from "../../core/errors.ts";
import type { Incident } from "../../core/incident.ts";
import type { OpenIncident } from "../../core/ports/store.ts";
import type { TimelineEvent } from "../../core/timeline.ts";
import { fingerprintOf } from "./fingerprint.ts";
import { HeldPageGrouping, SETTLE_GROUP } from "./held-page-grouping.ts";

const NOW = 10_000_000;
const LOOKBACK = 15 * 60_000;
const WHERE = { tenant: "acme", service: "billing-api", environment: "production" };

function held(fields: Partial<Incident> = {}): Incident {
  return {
    id: "held",
    number: 7,
    key: "INC-7",
    ...WHERE,
    fingerprint: fingerprintOf(WHERE, "pKchen"),
    patternId: "pKchen",
    errorPattern: "permission denied for role kchen on schema ledger",
    title: "permission denied for role kchen on schema ledger",
    state: "open",
    firstSeenAt: NOW - 300_000,
    lastSeenAt: NOW - 60_000,
    ...fields,
  } as Incident;
}

function open(id: string, patternId: string, firstSeenAt: number, lastSeenAt = NOW - 60_000): OpenIncident {
  return {
    id,
    number: Number(id.replace(/\D/g, "")),
    fingerprint: fingerprintOf(WHERE, patternId),
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

const HOLD: TimelineEvent = {
  id: 1,
  incidentId: "held",
  at: NOW - 300_000,
  actor: "sluice:settle",
  action: "page-held",
  detail: "first ticket held",
  rule: null,
};

/** The decision over a fake store: `stored` open incidents, the held incident's timeline; records merges. */
function setup(
  candidates: Record<string, string[]>,
  stored: OpenIncident[],
  timeline: TimelineEvent[] = [HOLD],
  merge?: (from: string, into: string) => Promise<void>,
) {
  const calls = { findOpen: 0, timeline: 0 };
  const merges: [string, string, string, string][] = [];
  const grouping = new HeldPageGrouping({
    store: {
      incidents: {
        findOpen: async (fingerprints: readonly string[]) => {
          calls.findOpen++;
          return new Map(stored.filter((i) => fingerprints.includes(i.fingerprint)).map((i) => [i.fingerprint, i]));
        },
        timeline: async () => {
          calls.timeline++;
          return timeline;
        },
      } as never,
    },
    candidatesOf: (id) => candidates[id] ?? [],
    lookbackMs: LOOKBACK,
    merge: async (from, into, reason, why) => {
      merges.push([from, into, reason, why.rule]);
      await merge?.(from, into);
    },
  });
  return { grouping, calls, merges };
}

describe("HeldPageGrouping", () => {
  it("groups a held incident into the open near sibling that opened before it, saying why", async () => {
    const { grouping, merges } = setup({ pKchen: ["pMlopez"] }, [open("inc1", "pMlopez", NOW - 600_000)]);
    assert.equal(await grouping.settle(held(), NOW), true);
    assert.equal(merges.length, 1);
    const [from, into, reason, rule] = merges[0] as [string, string, string, string];
    assert.deepEqual([from, into, rule], ["held", "inc1", SETTLE_GROUP.rule]);
    assert.match(reason, /^same message but for a word \("permission denied for role kchen on schema ledger"/);
    assert.match(reason, /same service and environment, while INC-1 was open/);
  });

  it("picks the oldest open sibling when there are several", async () => {
    const { grouping, merges } = setup({ pKchen: ["pB", "pA"] }, [
      open("inc3", "pB", NOW - 400_000),
      open("inc2", "pA", NOW - 500_000),
    ]);
    assert.equal(await grouping.settle(held(), NOW), true);
    assert.equal(merges[0]?.[1], "inc2");
  });

  it("pages (false) without asking the store when the pattern has no sibling or merged target", async () => {
    const { grouping, calls, merges } = setup({}, [open("inc1", "pMlopez", NOW - 600_000)]);
    assert.equal(await grouping.settle(held(), NOW), false);
    assert.equal(await grouping.settle(held({ patternId: null }), NOW), false);
    assert.deepEqual(calls, { findOpen: 0, timeline: 0 });
    assert.equal(merges.length, 0);
  });

  it("pages when the sibling's incident is no longer open (it resolved during the window)", async () => {
    const { grouping, merges } = setup({ pKchen: ["pMlopez"] }, []);
    assert.equal(await grouping.settle(held(), NOW), false);
    assert.equal(merges.length, 0);
  });

  it("pages when the open sibling went quiet past the lookback window", async () => {
    const stale = open("inc1", "pMlopez", NOW - 3_600_000, NOW - LOOKBACK - 1);
    const { grouping, merges } = setup({ pKchen: ["pMlopez"] }, [stale]);
    assert.equal(await grouping.settle(held(), NOW), false);
    assert.equal(merges.length, 0);
  });

  it("never groups an incident into one that opened after it", async () => {
    const { grouping, merges } = setup({ pKchen: ["pMlopez"] }, [open("inc9", "pMlopez", NOW - 100_000)]);
    assert.equal(await grouping.settle(held(), NOW), false);
    assert.equal(merges.length, 0);
  });

  it("sends a first ticket that was never held (no page-held entry)", async () => {
    const { grouping, merges } = setup({ pKchen: ["pMlopez"] }, [open("inc1", "pMlopez", NOW - 600_000)], []);
    assert.equal(await grouping.settle(held(), NOW), false);
    assert.equal(merges.length, 0);
  });

  it("a merge that fails because another worker grouped it first counts as grouped; a refused one pages; a broken store is retried", async () => {
    const mergedAway: TimelineEvent = { ...HOLD, id: 2, actor: "sluice:merge", action: "resolved", detail: "merged into INC-1" };
    const timeline = [HOLD];
    const lost = setup({ pKchen: ["pMlopez"] }, [open("inc1", "pMlopez", NOW - 600_000)], timeline, async () => {
      timeline.push(mergedAway);
      throw new Error("INVALID_TRANSITION: already resolved");
    });
    assert.equal(await lost.grouping.settle(held(), NOW), true);
    const refused = setup({ pKchen: ["pMlopez"] }, [open("inc1", "pMlopez", NOW - 600_000)], [HOLD], async () => {
      throw new SluiceError("NOT_FOUND", "no incident inc1");
    });
    assert.equal(await refused.grouping.settle(held(), NOW), false);
    const broken = setup({ pKchen: ["pMlopez"] }, [open("inc1", "pMlopez", NOW - 600_000)], [HOLD], async () => {
      throw new Error("database gone");
    });
    await assert.rejects(broken.grouping.settle(held(), NOW), /database gone/);
  });

  it("leaves a resolved incident alone", async () => {
    const { grouping, calls } = setup({ pKchen: ["pMlopez"] }, [open("inc1", "pMlopez", NOW - 600_000)]);
    assert.equal(await grouping.settle(held({ state: "resolved" }), NOW), false);
    assert.deepEqual(calls, { findOpen: 0, timeline: 0 });
  });
});
