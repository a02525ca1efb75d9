import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { Change } from "../core/change.ts";
import { newId } from "../core/ids.ts";
import { anomalyEvent, inMemorySluice } from "../testing/in-memory-sluice.ts";

// Tickets hear of a re-investigation only when it says something new: an identical version stays on the
// timeline, a version with new evidence or actions is sent as a new note that says which one it supersedes.
describe("investigation versions in tickets", async () => {
  const { sluice, clock, memory } = await inMemorySluice();
  after(() => sluice.close());
  const investigator = sluice.investigator;
  assert.ok(investigator);
  const deploy = (version: string, minutesBefore: number): Change => ({
    id: newId(),
    source: "argo",
    sourceId: `deploy-${version}`,
    tenant: "acme",
    service: "payments",
    environment: "production",
    kind: "deploy",
    summary: `rollout payments ${version}`,
    at: clock.now() - minutesBefore * 60_000,
    version,
    author: "ci",
    url: `https://ci.example.com/deploys/${version}`,
    labels: {},
    receivedAt: clock.now() - minutesBefore * 60_000,
  });
  const reports = () => memory.received.filter((d) => d.action === "comment" && d.investigation);
  const rerun = async () => {
    const posted = await sluice.server.inject({ method: "POST", url: "/api/incidents/INC-1/investigate" });
    assert.equal(posted.statusCode, 202, posted.body);
    await investigator.flush();
    await sluice.worker.flush();
  };

  it("sends the first report with its structure to the ticket", async () => {
    await sluice.store.changes.insert([deploy("v2.4.0", 10)]);
    await sluice.server.inject({ method: "POST", url: "/api/v1/signals", payload: anomalyEvent() });
    investigator.start();
    await investigator.flush();
    await sluice.worker.flush();
    assert.deepEqual(
      reports().map((d) => d.investigation),
      [{ version: 1, supersedes: null }],
    );
  });

  it("sends nothing for a version identical to the one before, and says so on the timeline", async () => {
    await rerun();
    const latest = await sluice.store.investigations.report((await sluice.store.incidents.get("INC-1"))?.id ?? "");
    assert.equal(latest?.version, 2);
    assert.equal(reports().length, 1, "no second note");
    const timeline = await sluice.store.incidents.timeline(latest?.incidentId ?? "");
    const entries = timeline.filter((e) => e.action === "investigation").map((e) => e.detail);
    assert.equal(entries.length, 2);
    assert.match(entries[1] ?? "", /^Investigation v2 .*\(nothing new: not sent to tickets\)$/);
  });

  it("sends a version with new evidence as a new note that supersedes the last one sent", async () => {
    // A second deploy of the suspect: new evidence and a new rollback action.
    await sluice.store.changes.insert([deploy("v2.4.1", 5)]);
    await rerun();
    const sent = reports();
    assert.deepEqual(
      sent.map((d) => d.investigation),
      [
        { version: 1, supersedes: null },
        { version: 3, supersedes: 1 },
      ],
    );
    assert.match(sent[1]?.detail ?? "", /^Sluice investigation of INC-1 \(version 3, requested\) — supersedes version 1\n/);
    assert.match(sent[1]?.detail ?? "", /v2\.4\.1/);
  });
});
