import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import pino from "pino";
import { parseConfig } from "../config/loader.ts";
import { ManualClock } from "../core/clock.ts";
import { createSluice, type Sluice } from "../main.ts";
import { anomalyEvent } from "../testing/in-memory-sluice.ts";
import { MAX_DEFER_MS } from "./investigator.ts";

/** A Sluice on a SQLite file in `dir`, with the default configuration, on `clock`, sending nowhere (dry run). */
async function sluiceIn(dir: string, clock: ManualClock): Promise<Sluice> {
  const { config } = parseConfig({}, {}, process.cwd(), "test");
  return createSluice(config, { clock, dryRun: true, dataDir: dir, processMetrics: false, logger: pino({ level: "silent" }) });
}

// Durability of investigation jobs on a real SQLite file: a process that dies mid-investigation leaves a
// claimed job behind; the next process finishes it, once.
describe("investigation jobs across a restart", () => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-investigate-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const clock = new ManualClock(Date.parse("2026-11-02T10:00:00Z"));
  const open = (): Promise<Sluice> => sluiceIn(dir, clock);

  it("finishes a job whose process died after claiming it, exactly once, after the restart", async () => {
    const first = await open();
    await first.server.inject({ method: "POST", url: "/api/v1/signals", payload: anomalyEvent() });
    const incident = await first.store.incidents.get("INC-1");
    assert.ok(incident);
    // Shutdown writes the request heard from IncidentOpened; then the job is claimed as a running
    // investigator would, and the process "dies": nothing finishes it, its lease is a long one.
    await first.investigator?.shutdown();
    const claimed = await first.store.investigations.claim(clock.now(), 1, 3_600_000);
    assert.deepEqual(
      claimed.map((j) => [j.incidentId, j.trigger, j.attempt]),
      [[incident.id, "opened", 1]],
    );
    await first.close();

    const second = await open();
    try {
      assert.equal(await second.store.investigations.status(incident.id), "running");
      second.investigator?.start();
      await second.investigator?.flush();
      await second.worker.flush();
      const report = await second.store.investigations.report(incident.id);
      assert.equal(report?.version, 1);
      assert.equal(await second.store.investigations.status(incident.id), "done");
      await second.investigator?.flush();
      assert.equal((await second.store.investigations.report(incident.id))?.version, 1, "finished once");
      const timeline = await second.store.incidents.timeline(incident.id);
      assert.equal(timeline.filter((e) => e.action === "investigation").length, 1);
      const comments = await second.store.deliveries.list({ incidentId: incident.id, limit: 50 });
      assert.equal(comments.filter((d) => d.action === "comment").length, 1, "one comment per ticket");
    } finally {
      await second.close();
    }
  });

  it("keeps, but does not send to the tickets, a report that lands after its incident resolved", async () => {
    const sluice = await open();
    try {
      await sluice.server.inject({ method: "POST", url: "/api/v1/signals", payload: anomalyEvent({ service: "late" }) });
      const incident = await sluice.store.incidents.get("INC-2");
      assert.ok(incident);
      const resolved = await sluice.server.inject({
        method: "POST",
        url: `/api/incidents/${incident.key}/resolve`,
        payload: { reason: "fixed before the investigation ran" },
      });
      assert.equal(resolved.statusCode, 200, resolved.body);
      sluice.investigator?.start();
      await sluice.investigator?.flush();
      await sluice.worker.flush();
      assert.equal((await sluice.store.investigations.report(incident.id))?.version, 1, "the report is kept");
      const entries = (await sluice.store.incidents.timeline(incident.id)).filter((e) => e.action === "investigation");
      assert.equal(entries.length, 1);
      assert.match(entries[0]?.detail ?? "", /incident resolved before the report: not sent to tickets/);
      const deliveries = await sluice.store.deliveries.list({ incidentId: incident.id, limit: 50 });
      assert.deepEqual(
        deliveries.filter((d) => d.action === "comment"),
        [],
        "no comment after the resolve",
      );
    } finally {
      await sluice.close();
    }
  });

  it("queues, when it starts, a recent incident whose request was heard but never written (killed before)", async () => {
    const third = await open();
    try {
      await third.server.inject({ method: "POST", url: "/api/v1/signals", payload: anomalyEvent({ service: "search" }) });
      const incident = await third.store.incidents.get("INC-3");
      assert.ok(incident);
      assert.equal(await third.store.investigations.status(incident.id), null, "only heard, not written");
    } finally {
      // Closing the store alone, as a kill would: the investigator never writes what it heard.
      await third.store.close();
    }
    const fourth = await open();
    try {
      const incident = await fourth.store.incidents.get("INC-3");
      fourth.investigator?.start();
      await fourth.investigator?.flush();
      assert.equal((await fourth.store.investigations.report(incident?.id ?? ""))?.version, 1);
    } finally {
      await fourth.close();
    }
  });
});

// An alert storm gets the CPU first: investigations are background work (about 2 ms of CPU each).
describe("investigations yield to a busy ingest", () => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-investigate-yield-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const clock = new ManualClock(Date.parse("2026-11-02T10:00:00Z"));
  const until = async (what: string, check: () => Promise<boolean>): Promise<void> => {
    const by = Date.now() + 10_000;
    while (!(await check())) {
      if (Date.now() > by) assert.fail(`timed out waiting until ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  it("runs a new job at once when ingest is idle, and makes it wait while signals wait, at most MAX_DEFER_MS", async () => {
    const sluice = await sluiceIn(dir, clock);
    let waiting = 0;
    // What ingest reports to the base's IngestLoad: its count of signals submitted and not yet committed.
    Object.defineProperty(sluice.runner, "waiting", { get: () => waiting });
    try {
      await sluice.start();
      const status = async (key: string) => {
        const incident = await sluice.store.incidents.get(key);
        return incident ? sluice.store.investigations.status(incident.id) : null;
      };
      await sluice.server.inject({ method: "POST", url: "/api/v1/signals", payload: anomalyEvent({ service: "idle" }) });
      await until("the idle-time job is done", async () => (await status("INC-1")) === "done");

      waiting = 40;
      await sluice.server.inject({ method: "POST", url: "/api/v1/signals", payload: anomalyEvent({ service: "storm" }) });
      await until("the storm-time job is queued", async () => (await status("INC-2")) === "pending");
      await new Promise((resolve) => setTimeout(resolve, 1500)); // a poll of the investigator passes
      assert.equal(await status("INC-2"), "pending", "a young job waits while ingest has signals waiting");
      clock.advance(MAX_DEFER_MS);
      await until("the deferred job is done once it is MAX_DEFER_MS old", async () => (await status("INC-2")) === "done");
    } finally {
      await sluice.close();
    }
  });
});

describe("investigation requests from a storm", () => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-investigate-requests-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("are written a hundred to a transaction, and those a failed write left out are written at the next tick", async () => {
    const sluice = await sluiceIn(dir, new ManualClock(Date.parse("2026-11-02T10:00:00Z")));
    const writes: number[] = [];
    const requestAll = sluice.store.investigations.requestAll.bind(sluice.store.investigations);
    // The second write fails: the 150 requests it and the third would have written are heard again at the next tick.
    sluice.store.investigations.requestAll = async (requests, now) => {
      writes.push(requests.length);
      if (writes.length === 2) throw new Error("the store is unreachable");
      return requestAll(requests, now);
    };
    try {
      const storm = Array.from({ length: 250 }, (_, i) => anomalyEvent({ service: `storm-${i}` }));
      const accepted = await sluice.server.inject({ method: "POST", url: "/api/v1/signals", payload: storm });
      assert.equal(accepted.statusCode, 202, accepted.body);
      await sluice.investigator?.flush().catch(() => undefined);
      await sluice.investigator?.flush();
      assert.deepEqual(writes, [100, 100, 100, 50]);
      const incidents = await sluice.store.incidents.list({ limit: 500 });
      assert.equal(incidents.items.length, 250);
      const statuses = await Promise.all(incidents.items.map((incident) => sluice.store.investigations.status(incident.id)));
      assert.ok(
        statuses.every((status) => status !== null),
        "every incident's request written once the store answers",
      );
    } finally {
      await sluice.close();
    }
  });
});
