import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import pino from "pino";
import { parseConfig } from "../config/loader.ts";
import type { MemoryConnector } from "../connectors/memory/memory-connector.ts";
import { ManualClock } from "../core/clock.ts";
import { createSluice, type Sluice } from "../main.ts";
import { anomalyEvent } from "../testing/in-memory-sluice.ts";

const MINUTE = 60_000;
const T0 = Date.parse("2026-11-02T10:00:00Z");

describe("escalation policies", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "sluice-escalation-"));
  const { config } = parseConfig(
    { escalation: { policies: [{ name: "critical-pages", match: { severity: "critical" }, after: "15m", repeat: 2 }] } },
    {},
    process.cwd(),
    "test",
  );
  const clock = new ManualClock(T0);
  const open = async (): Promise<Sluice> =>
    createSluice(config, { clock, dataDir, dryRun: true, processMetrics: false, logger: pino({ level: "silent" }) });
  let sluice = await open();
  after(() => sluice.close());
  const state = async (key: string) =>
    (await sluice.server.inject({ url: `/api/incidents/${key}` })).json() as { state: string; escalationLevel: number };
  const at = async (minutes: number) => {
    clock.set(T0 + minutes * MINUTE);
    return sluice.escalations.tick();
  };

  it("fires at the configured times, up to repeat, and tells every ticket", async () => {
    await sluice.server.inject({
      method: "POST",
      url: "/api/v1/signals",
      payload: anomalyEvent({ severity: "critical", service: "payments" }),
    });
    await sluice.server.inject({
      method: "POST",
      url: "/api/v1/signals",
      payload: anomalyEvent({ severity: "high", service: "search" }),
    });
    assert.equal(await at(14), 0, "not before 15 minutes");
    assert.equal(await at(15), 1);
    assert.deepEqual(await state("INC-1"), { ...(await state("INC-1")), state: "escalated", escalationLevel: 1 });
    assert.equal((await state("INC-2")).state, "open", "no policy matches a high incident");
    assert.equal(await at(29), 0);
    assert.equal(await at(30), 1);
    assert.equal((await state("INC-1")).escalationLevel, 2);
    assert.equal(await at(60), 0, "repeat is 2");
    await sluice.worker.flush();
    const memory = sluice.connectors.get("memory") as MemoryConnector;
    assert.deepEqual(
      memory.received.filter((d) => d.incidentKey === "INC-1").map((d) => d.action),
      ["create", "escalate", "escalate"],
    );
    const timeline = (await sluice.server.inject({ url: "/api/incidents/INC-1/timeline" })).json().items as {
      actor: string;
      detail: string;
    }[];
    assert.match(timeline.at(-1)?.detail ?? "", /not acknowledged within 15 min; escalation 2 of 2 \(policy "critical-pages"\)/);
    assert.equal(timeline.at(-1)?.actor, "sluice:escalation");
  });

  it("stops when the incident is acknowledged", async () => {
    clock.set(T0 + 100 * MINUTE);
    await sluice.server.inject({
      method: "POST",
      url: "/api/v1/signals",
      payload: anomalyEvent({ severity: "critical", service: "orders" }),
    });
    assert.equal(await at(110), 0);
    await sluice.server.inject({ method: "POST", url: "/api/incidents/INC-3/acknowledge" });
    assert.equal(await at(116), 0);
    assert.equal(await at(200), 0);
    assert.equal((await state("INC-3")).state, "acknowledged");
  });

  it("fires after a restart that happened in between, exactly once", async () => {
    clock.set(T0 + 300 * MINUTE);
    await sluice.server.inject({
      method: "POST",
      url: "/api/v1/signals",
      payload: anomalyEvent({ severity: "critical", service: "ledger" }),
    });
    await sluice.close();
    clock.set(T0 + 320 * MINUTE);
    sluice = await open();
    assert.equal(await at(320), 1, "the overdue timer fires in the new process");
    assert.equal((await state("INC-4")).escalationLevel, 1);
    assert.equal(await at(321), 0);
    assert.equal(await at(335), 1, "and the next step follows");
    assert.equal((await state("INC-4")).escalationLevel, 2);
  });

  it("audits: an unresolved incident without a timer gets one (e.g. after a reopen)", async () => {
    await sluice.server.inject({ method: "POST", url: "/api/incidents/INC-2/resolve" });
    clock.set(T0 + 400 * MINUTE);
    await sluice.server.inject({ method: "POST", url: "/api/incidents/INC-4/resolve" });
    await sluice.server.inject({ method: "POST", url: "/api/incidents/INC-4/reopen" });
    assert.equal((await state("INC-4")).escalationLevel, 0, "a reopen starts escalation over");
    assert.equal(await sluice.escalations.audit(T0 + 400 * MINUTE), 1, "the reopened incident gets a timer");
    assert.equal(await sluice.escalations.audit(T0 + 400 * MINUTE), 0, "only one");
    assert.equal(await at(400), 1, "overdue since its creation, so it fires at once");
  });
});

describe("escalation policies matching the owner from the service catalog", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "sluice-escalation-owner-"));
  const catalog = join(dataDir, "services.yaml");
  writeFileSync(
    catalog,
    "services:\n  - service: checkout\n    team: payments\n    tier: 1\n  - service: search\n    team: discovery\n",
  );
  const { config } = parseConfig(
    {
      catalog: { files: [catalog] },
      escalation: { policies: [{ name: "payments-team", match: { team: "payments" }, after: "10m", repeat: 1 }] },
    },
    {},
    process.cwd(),
    "test",
  );
  const clock = new ManualClock(T0);
  const sluice = await createSluice(config, {
    clock,
    dataDir,
    dryRun: true,
    processMetrics: false,
    logger: pino({ level: "silent" }),
  });
  after(() => sluice.close());

  it("escalates the incidents of services the team owns, and only those", async () => {
    for (const service of ["checkout", "search"]) {
      const response = await sluice.server.inject({ method: "POST", url: "/api/v1/signals", payload: anomalyEvent({ service }) });
      assert.equal(response.statusCode, 202);
    }
    clock.set(T0 + 10 * MINUTE);
    assert.equal(await sluice.escalations.tick(), 1);
    const state = async (key: string) =>
      (await sluice.server.inject({ url: `/api/incidents/${key}` })).json() as { service: string; state: string };
    assert.deepEqual(
      [await state("INC-1"), await state("INC-2")].map((i) => [i.service, i.state]),
      [
        ["checkout", "escalated"],
        ["search", "open"],
      ],
    );
  });
});
