import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import pino from "pino";
import { parseConfig } from "../../config/loader.ts";
import { createSluice, type Sluice } from "../../main.ts";

// The whole ingest path (HTTP, normalise, mine, correlate, SQLite file) across a restart of the process's
// parts: the second Sluice starts with an empty miner and must find the pattern in the database.

let sequence = 0;

async function post(sluice: Sluice, message: string): Promise<{ outcome: string; incident: string | null }> {
  sequence++;
  const response = await sluice.server.inject({
    method: "POST",
    url: "/api/v1/signals",
    headers: { "content-type": "application/json" },
    payload: JSON.stringify({
      event_id: `evt-${sequence}`,
      "@timestamp": new Date().toISOString(),
      anomaly_score: 0.97,
      severity: "high",
      service: "payments",
      message,
    }),
  });
  assert.equal(response.statusCode, 202, response.body);
  const [result] = (response.json() as { results: { outcome: string; incident: string | null }[] }).results;
  assert.ok(result);
  return result;
}

async function start(dataDir: string): Promise<Sluice> {
  const { config } = parseConfig({ log: { level: "silent" } }, {}, process.cwd(), "test");
  return createSluice(config, { dryRun: true, dataDir, logger: pino({ level: "silent" }), processMetrics: false });
}

describe("fingerprint by pattern id", () => {
  it("joins the open incident after a restart when the same problem comes back with other values", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-fingerprint-"));
    try {
      const first = await start(dir);
      let key: string | null;
      try {
        const opened = await post(first, "payment p.visa declined by gateway g.eu after 3 retries");
        assert.equal(opened.outcome, "opened");
        key = opened.incident;
        // Another card: same pattern (its template generalises), same incident.
        const joined = await post(first, "payment p.amex declined by gateway g.eu after 5 retries");
        assert.deepEqual([joined.outcome, joined.incident], ["deduplicated", key]);
        // The incident shows the template as it is now, not the first card it met.
        const shown = (await first.server.inject({ method: "GET", url: `/api/incidents/${key}` })).json();
        assert.equal(shown.errorPattern, "payment <*> declined by gateway g.eu after <*> retries");
        assert.match(shown.patternId, /^p[0-9a-f]{16}$/);
        assert.equal((await post(first, "refund r.visa failed at gateway g.eu")).outcome, "opened");
      } finally {
        await first.close();
      }

      const second = await start(dir);
      try {
        // A third card and other numbers, seen by a miner that has never seen this problem in memory.
        const again = await post(second, "payment p.mastercard declined by gateway g.eu after 11 retries");
        assert.deepEqual([again.outcome, again.incident], ["deduplicated", key]);
        const incident = await second.server.inject({ method: "GET", url: `/api/incidents/${key}` });
        assert.equal(incident.json().signalCount, 3);
        // What people read is the template, not the id.
        assert.equal(incident.json().errorPattern, "payment <*> declined by gateway g.eu after <*> retries");
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
