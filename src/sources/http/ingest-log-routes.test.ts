import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { anomalyEvent, inMemorySluice } from "../../testing/in-memory-sluice.ts";

const metric = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN);

describe("ingest routes over the durable log", () => {
  it("acknowledge: logged answers 202 with every signal queued; draining the log opens the incidents", async () => {
    const { sluice } = await inMemorySluice({ ingest: { acknowledge: "logged" } });
    try {
      const secret = "AKIAIOSFODNN7EXAMPLE";
      const events = [
        anomalyEvent({ service: "cart" }),
        anomalyEvent({ service: "search", error_message: `key ${secret} refused` }),
      ];
      const response = await sluice.server.inject({ method: "POST", url: "/api/v1/signals", payload: events });
      assert.equal(response.statusCode, 202, response.body);
      const body = response.json() as { accepted: number; results: { outcome: string; incident: string | null }[] };
      assert.equal(body.accepted, 2);
      assert.deepEqual(
        body.results.map((r) => [r.outcome, r.incident]),
        [
          ["queued", null],
          ["queued", null],
        ],
      );
      await sluice.ingestLog.drain();
      await sluice.runner.flush();
      const incidents = (await sluice.server.inject({ url: "/api/incidents" })).json().items as { service: string }[];
      assert.deepEqual(incidents.map((i) => i.service).sort(), ["cart", "search"]);
      assert.deepEqual(await sluice.store.ingestLog.backlog(), { entries: 0, signals: 0, oldestAppendedAt: null });
      const stored = await sluice.store.incidents.signals(
        (await sluice.store.incidents.list({ limit: 10, service: "search" })).items[0]?.id ?? "",
        10,
      );
      assert.ok(!JSON.stringify(stored).includes(secret), "the secret never reached the store unredacted");
    } finally {
      await sluice.close();
    }
  });

  it("past its backlog bound ingest answers 503 with Retry-After and says which bound, storing nothing of the request", async () => {
    const { sluice } = await inMemorySluice({
      ingest: { acknowledge: "logged", paused: true, maxLogSignals: 5, retryAfter: "7s" },
    });
    try {
      const first = await sluice.server.inject({
        method: "POST",
        url: "/api/v1/signals",
        payload: [anomalyEvent(), anomalyEvent(), anomalyEvent(), anomalyEvent()],
      });
      assert.equal(first.statusCode, 202, first.body);
      const refused = await sluice.server.inject({
        method: "POST",
        url: "/api/v1/signals",
        payload: [anomalyEvent(), anomalyEvent()],
      });
      assert.equal(refused.statusCode, 503, refused.body);
      assert.equal(refused.headers["retry-after"], "7");
      assert.match(refused.body, /ingest log holds 4 signals .*ingest\.maxLogSignals = 5/);
      assert.deepEqual(await sluice.store.ingestLog.backlog().then((b) => [b.entries, b.signals]), [1, 4]);
      const metrics = (await sluice.server.inject({ url: "/metrics" })).body;
      assert.equal(metric(metrics, "sluice_ingest_log_signals"), 4);
      assert.equal(metric(metrics, "sluice_ingest_log_entries"), 1);
      assert.ok(metric(metrics, "sluice_ingest_log_age_seconds") >= 0);
    } finally {
      await sluice.close();
    }
  });

  it("refuses paused with an applied acknowledgement, naming the setting", async () => {
    await assert.rejects(
      inMemorySluice({ ingest: { acknowledge: "applied", paused: true } }),
      (error: Error & { problems?: unknown }) => {
        assert.match(JSON.stringify(error.problems), /ingest\.paused.*paused needs acknowledge: logged/);
        return true;
      },
    );
  });
});
