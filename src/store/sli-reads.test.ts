import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { anomalyEvent, inMemorySluice } from "../testing/in-memory-sluice.ts";

// The SLI facts behind every /metrics scrape: read in keyset pages, yielding to the event loop between them.
describe("SLI facts in pages", () => {
  it("returns every incident of the range once, ties on created_at included, and lets other work run meanwhile", async () => {
    const { sluice, clock } = await inMemorySluice();
    try {
      // 640 incidents at three instants (more than two pages share one created_at), then one outside the range.
      for (const step of [0, 1, 2]) {
        const batch = Array.from({ length: step === 1 ? 400 : 120 }, (_, n) =>
          anomalyEvent({ service: `svc-${step}-${n}`, event_id: `sli-page-${step}-${n}` }),
        );
        const response = await sluice.server.inject({ method: "POST", url: "/api/v1/signals", payload: batch });
        assert.equal(response.statusCode, 202, response.body);
        clock.advance(1000);
      }
      const to = clock.now() - 1;
      const outside = await sluice.server.inject({
        method: "POST",
        url: "/api/v1/signals",
        payload: anomalyEvent({ service: "later", event_id: "sli-page-later" }),
      });
      assert.equal(outside.statusCode, 202, outside.body);

      await sluice.worker.flush();
      let otherWorkRan = false;
      setImmediate(() => {
        otherWorkRan = true;
      });
      const facts = await sluice.store.sli.facts(clock.now() - 10_000, to);
      assert.equal(otherWorkRan, true, "the read yielded to the event loop between pages");
      const ids = facts.incidents.map((incident) => incident.id);
      assert.equal(ids.length, 640);
      assert.equal(new Set(ids).size, 640, "no incident twice");
      const ticketed = new Set(facts.tickets.map((ticket) => ticket.incidentId));
      assert.equal(ticketed.size, 640, "every incident's ticket read with its page");
    } finally {
      await sluice.close();
    }
  });
});
