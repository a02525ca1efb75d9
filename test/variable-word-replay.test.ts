// Replays a stream whose messages name things (test/support/variable-word-stream.ts) the way `sluice replay` does,
// and checks the promise of one incident per problem: the early variants of a problem may open incidents before
// the miner has seen that a word is a parameter, but once their patterns merge those incidents become one, and
// nothing about the problem pages again. Several seeds of the generator: each draws other names in another order.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { Incident } from "../src/core/incident.ts";
import type { TimelineEvent } from "../src/core/timeline.ts";
import { mergedAway, problemOf, replayVariableWords, type VariableWordReplay } from "./support/variable-word-replay-run.ts";
import { STREAM_PROBLEMS } from "./support/variable-word-stream.ts";

// 17 is the seed this test began with; 2, 3 and 7 paged a problem twice before the miner took known names,
// names inside other values and patterns proven one among themselves as evidence; 3, 6 and 8 merge some of a
// problem's patterns among themselves before the rest; 14 and 22 paged a problem twice until a held variant whose
// pattern had not merged by the window's end was grouped into the open incident (patterns.settleAction group).
// bench/variable-word-seeds.ts measures seeds 1–30
// (BENCHMARKS.md, "Variable words over many seeds").
const SEEDS = [17, 1, 2, 3, 6, 7, 8, 14, 22];

for (const seed of SEEDS) {
  describe(`replay of a stream whose messages name things, seed ${seed}: one incident per problem`, () => {
    let replay: VariableWordReplay;
    let incidents: readonly Incident[];
    let timelines: ReadonlyMap<string, readonly TimelineEvent[]>;

    before(async () => {
      replay = await replayVariableWords(seed);
      incidents = replay.incidents;
      timelines = replay.timelines;
    });

    const merged = (incident: Incident) => mergedAway(replay, incident);

    it("replays every line, and the early variants split (the case this is about)", () => {
      const { funnel, stream } = replay;
      assert.equal(funnel.rejected, 0);
      assert.equal(funnel.signals, stream.items.length);
      assert.ok(funnel.gated > 0, "the noise stays below the score bar");
      // More incidents opened than there are problems: the miner met names before it knew they were names.
      assert.ok(funnel.incidents > STREAM_PROBLEMS.length, `opened ${funnel.incidents}`);
    });

    it("leaves exactly one incident per problem; the others were merged into it", () => {
      const survivors = new Map<string, Incident[]>();
      for (const incident of incidents) {
        const problem = problemOf(incident);
        assert.ok(problem, `incident ${incident.key} (${incident.service}: ${incident.errorPattern}) belongs to no problem`);
        if (merged(incident)) continue;
        survivors.set(problem, [...(survivors.get(problem) ?? []), incident]);
      }
      for (const problem of STREAM_PROBLEMS) {
        const found = survivors.get(problem.name) ?? [];
        assert.equal(found.length, 1, `${problem.name}: ${found.map((i) => `${i.key} ${i.errorPattern}`).join("; ")}`);
      }
      // The state words keep the two backup problems apart, though their volume names are parameters.
      const backups = incidents.filter((i) => i.service === "backup" && !merged(i)).map((i) => i.errorPattern);
      assert.deepEqual(backups.sort(), [
        "nightly backup of volume <*> ended in state FAILED",
        "nightly backup of volume <*> ended in state STALLED",
      ]);
    });

    it("tells every merged incident's tickets which incident it merged into, and the survivor's who joined", () => {
      const byId = new Map(incidents.map((i) => [i.id, i]));
      const mergedIncidents = incidents.filter(merged);
      assert.ok(mergedIncidents.length > 0);
      for (const incident of mergedIncidents) {
        const note = (timelines.get(incident.id) ?? []).find((e) => e.detail.startsWith("merged into")) as TimelineEvent;
        const survivorKey = note.detail.slice("merged into ".length).split(":")[0] as string;
        const survivor = incidents.find((i) => i.key === survivorKey);
        assert.ok(survivor, `${incident.key} merged into ${survivorKey}`);
        assert.equal(problemOf(survivor), problemOf(incident));
        // Patterns proven one among themselves merge before the problem's first pattern joins them, so the
        // incident merged into may itself merge later: the chain ends at the problem's one incident left.
        let last: Incident = survivor;
        for (let hops = 0; merged(last) && hops < incidents.length; hops++) {
          const next = (timelines.get(last.id) ?? []).find((e) => e.detail.startsWith("merged into")) as TimelineEvent;
          last = incidents.find((i) => i.key === next.detail.slice("merged into ".length).split(":")[0]) as Incident;
        }
        assert.ok(!merged(last), `${incident.key} merged into ${survivorKey}, which ends at ${last.key}`);
        assert.equal(problemOf(last), problemOf(incident));
        assert.ok(
          (timelines.get(survivor.id) ?? []).some((e) => e.action === "pattern-merged" && e.detail.startsWith(incident.key)),
          `${survivor.key} notes ${incident.key}`,
        );
        // A merged incident that had a ticket has it resolved naming the survivor; one merged before its ticket
        // went out (held to settle: its pattern was a near sibling of an open incident's) is never sent at all.
        const paged = replay.received.some((d) => d.incidentKey === incident.key && d.action === "create");
        if (paged) {
          assert.ok(
            replay.received.some(
              (d) => d.incidentKey === incident.key && d.action === "resolve" && d.detail.includes(survivorKey),
            ),
            `${incident.key}'s ticket is resolved naming ${survivorKey}`,
          );
        } else {
          assert.deepEqual(
            replay.received.filter((d) => d.incidentKey === incident.key).map((d) => d.action),
            [],
            `${incident.key} never had a ticket: nothing is sent for it`,
          );
        }
        assert.equal(byId.get(incident.id)?.state, "resolved");
      }
    });

    it("pages once per problem, and never for a problem after its patterns merged", () => {
      for (const incident of incidents) {
        const creates = replay.received.filter((d) => d.incidentKey === incident.key && d.action === "create");
        assert.equal(creates.length, merged(incident) ? 0 : 1, `${incident.key} created once, unless merged before it was`);
      }
      for (const problem of STREAM_PROBLEMS) {
        const pages = replay.received.filter(
          (d) => d.action === "create" && problemOf(incidents.find((i) => i.key === d.incidentKey) as Incident) === problem.name,
        );
        assert.equal(pages.length, 1, `${problem.name}: one page`);
      }
      for (const problem of STREAM_PROBLEMS) {
        const mine = incidents.filter((i) => problemOf(i) === problem.name);
        const mergedAt = mine.flatMap((i) =>
          (timelines.get(i.id) ?? []).filter((e) => e.action === "pattern-merged").map((e) => e.at),
        );
        if (mine.length === 1) continue;
        assert.ok(mergedAt.length > 0, `${problem.name}: ${mine.length} incidents, and their patterns merged`);
        // Once the problem's patterns are one (its last merge), nothing of it opens again.
        const lastMerge = Math.max(...mergedAt);
        assert.deepEqual(
          mine.filter((i) => i.firstSeenAt > lastMerge).map((i) => i.key),
          [],
          `${problem.name}: no incident opens after its patterns merged`,
        );
        // Between a first merge of some of its patterns and the last, a variant not yet joined may open one,
        // held as the near sibling of an open incident: it is merged away and pages nobody.
        const firstMerge = Math.min(...mergedAt);
        for (const late of mine.filter((i) => i.firstSeenAt > firstMerge)) {
          assert.ok(merged(late), `${problem.name}: ${late.key}, opened between merges, was merged away`);
          assert.ok(!replay.received.some((d) => d.incidentKey === late.key), `${late.key} paged nobody`);
        }
      }
    });
  });
}
