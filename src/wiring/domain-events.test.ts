import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { DomainEvent } from "../core/events.ts";
import { anomalyEvent, inMemorySluice } from "../testing/in-memory-sluice.ts";

describe("domain events of a running Sluice", async () => {
  const { sluice, memory } = await inMemorySluice();
  after(() => sluice.close());
  const heard: DomainEvent[] = [];
  for (const type of ["IncidentOpened", "IncidentChanged", "IncidentResolved", "BatchCommitted", "DeliveriesQueued"] as const) {
    sluice.events.subscribe(type, "test", (event) => heard.push(event));
  }
  const send = (fields: Record<string, unknown>) =>
    sluice.server.inject({ method: "POST", url: "/api/v1/signals", payload: anomalyEvent(fields) });
  const post = (path: string, payload: Record<string, unknown> = {}) =>
    sluice.server.inject({ method: "POST", url: `/api/incidents/INC-1/${path}`, payload });
  const describeEvent = (event: DomainEvent) => {
    if (event.type === "IncidentChanged") return `changed:${event.change.kind}:${event.actor}`;
    if (event.type === "IncidentResolved") return `resolved:${event.actor}`;
    if (event.type === "BatchCommitted") return `batch:${event.signals}`;
    if (event.type === "DeliveriesQueued") return `deliveries:${event.count}`;
    return "opened";
  };
  const take = () => heard.splice(0).map(describeEvent);

  it("declares its modules in start order: the store first, the HTTP server last", () => {
    assert.deepEqual(sluice.modules, [
      "store",
      "delivery",
      "catalog",
      "changes",
      "affected-users",
      "summaries",
      "symptom-merger",
      "investigation",
      "remediation",
      "quiet-resolver",
      "escalation",
      "retention",
      "platform-sync",
      "ingest",
      "traces",
      "detect",
      "kafka",
      "http",
    ]);
  });

  it("publishes what each batch and each lifecycle action changed, once committed", async () => {
    assert.equal((await send({ severity: "medium" })).statusCode, 202);
    assert.deepEqual(take(), ["opened", "batch:1", "deliveries:1"]);
    const opened = (await sluice.store.incidents.get("INC-1"))?.id;

    await send({ severity: "critical", users: ["u-1"] });
    const joined = heard.find((e) => e.type === "IncidentChanged" && e.change.kind === "signals-joined");
    assert.deepEqual(take(), [
      "changed:severity-raised:sluice:correlate",
      "changed:signals-joined:sluice:correlate",
      "batch:1",
      "deliveries:1",
    ]);
    assert.equal(joined?.type === "IncidentChanged" && joined.incidentId, opened);

    assert.equal((await post("acknowledge", { reason: "on it" })).statusCode, 200);
    assert.equal(
      (await sluice.server.inject({ method: "POST", url: "/api/incidents/INC-1/notes", payload: { text: "hi" } })).statusCode,
      201,
    );
    assert.equal((await post("resolve")).statusCode, 200);
    assert.deepEqual(take(), [
      "deliveries:1",
      "changed:acknowledged:api:anonymous",
      "changed:note:api:anonymous",
      "deliveries:1",
      "deliveries:1",
      "resolved:api:anonymous",
    ]);
    await sluice.worker.flush();
    assert.deepEqual(
      memory.received.map((d) => d.action),
      ["create", "update", "acknowledge", "comment", "resolve"],
      "DeliveriesQueued reached the delivery worker",
    );
  });

  it("a failing subscriber is logged and counted, never fails ingest or the others", async () => {
    const others: string[] = [];
    const stop = sluice.events.subscribe("IncidentOpened", "broken-feature", () => {
      throw new Error("feature bug");
    });
    sluice.events.subscribe("IncidentOpened", "healthy-feature", (event) => others.push(event.incidentId));
    try {
      assert.equal((await send({ service: "orders" })).statusCode, 202);
      assert.equal(others.length, 1);
      const metrics = (await sluice.server.inject({ url: "/metrics" })).body;
      assert.match(metrics, /sluice_event_subscriber_failures_total\{subscriber="broken-feature",event="IncidentOpened"\} 1/);
    } finally {
      stop();
    }
  });
});
