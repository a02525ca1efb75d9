import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { parseConfig } from "../config/loader.ts";
import { isSluiceError } from "../core/errors.ts";
import { anomalyEvent, inMemorySluice } from "../testing/in-memory-sluice.ts";

const DAY = 24 * 3_600_000;

describe("storage.retention", async () => {
  const { sluice, clock } = await inMemorySluice({ storage: { retention: { signals: "30d", incidents: "90d" } } });
  after(() => sluice.close());
  const post = (payload: Record<string, unknown>) => sluice.server.inject({ method: "POST", url: "/api/v1/signals", payload });
  const get = (url: string) => sluice.server.inject({ url });

  it("deletes old signals of resolved incidents, then the incidents, and counts it in /metrics", async () => {
    clock.set(Date.now());
    const opened = (await post(anomalyEvent({ service: "billing" }))).json().results[0].incident as string;
    await post(anomalyEvent({ service: "billing" }));
    const stillOpen = (await post(anomalyEvent({ service: "search" }))).json().results[0].incident as string;
    assert.equal((await sluice.server.inject({ method: "POST", url: `/api/incidents/${opened}/resolve` })).statusCode, 200);

    clock.set(Date.now() + 10 * DAY);
    const early = await sluice.retention.pass();
    assert.equal(early.signals + early.incidents, 0, "nothing is old enough yet");

    clock.set(Date.now() + 31 * DAY);
    const later = await sluice.retention.pass();
    assert.equal(later.signals, 2, "the resolved incident's two signals");
    assert.equal((await get(`/api/incidents/${opened}`)).json().signals.length, 0);
    assert.equal((await get(`/api/incidents/${stillOpen}`)).json().signals.length, 1, "an open incident keeps its evidence");

    clock.set(Date.now() + 91 * DAY);
    assert.equal((await sluice.retention.pass()).incidents, 1);
    assert.equal((await get(`/api/incidents/${opened}`)).statusCode, 404);
    assert.equal((await get(`/api/incidents/${stillOpen}`)).statusCode, 200);
    const metrics = (await get("/metrics")).body;
    assert.match(metrics, /sluice_retention_deleted_total\{kind="signals"\} 2/);
    assert.match(metrics, /sluice_retention_deleted_total\{kind="incidents"\} 1/);
  });

  it("refuses settings that would delete what is still in use, naming each", () => {
    const document = { storage: { retention: { signals: "10m", incidents: "2h" } } };
    assert.throws(
      () => parseConfig(document, {}, process.cwd(), "test"),
      (error: unknown) => {
        assert.ok(isSluiceError(error));
        assert.deepEqual(
          error.problems?.map((p) => [p.path, p.message]),
          [
            ["storage.retention.signals", "must be at least 1h"],
            ["storage.retention.incidents", "must be 0 (forever) or at least 1d"],
          ],
        );
        return true;
      },
    );
  });
});
