import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { inMemorySluice } from "../../testing/in-memory-sluice.ts";

// Alertmanager's webhook (version 4) as it sends one alert of a group.
function notification(name: string, instance: string, status: "firing" | "resolved", startsAt: string) {
  return {
    version: "4",
    groupKey: `{}:{alertname="${name}"}`,
    status,
    receiver: "sluice",
    groupLabels: { alertname: name },
    commonLabels: { alertname: name, service: "checkout", severity: "critical" },
    commonAnnotations: { summary: "checkout is failing" },
    externalURL: "http://alertmanager:9093",
    alerts: [
      {
        status,
        labels: { alertname: name, service: "checkout", severity: "critical", instance },
        annotations: { summary: "checkout is failing" },
        startsAt,
        endsAt: status === "resolved" ? "2026-11-02T10:05:00Z" : "0001-01-01T00:00:00Z",
        generatorURL: "http://prometheus:9090/graph",
        fingerprint: `${name}-${instance}`,
      },
    ],
  };
}

describe("Alertmanager notifications out of order", async () => {
  const { sluice } = await inMemorySluice();
  after(() => sluice.close());
  const send = async (body: ReturnType<typeof notification>) => {
    const response = await sluice.server.inject({ method: "POST", url: "/api/v1/webhooks/alertmanager", payload: body });
    assert.equal(response.statusCode, 202, response.body);
    return response.json().results[0] as { outcome: string; incident: string | null; reason: string | null };
  };
  const incidents = async () =>
    (await sluice.server.inject({ url: "/api/incidents" })).json().items as { key: string; state: string }[];

  it("opens nothing for a firing alert that arrives after its own resolve (a retried send overtaken by the next)", async () => {
    assert.equal((await send(notification("CheckoutDown", "a", "resolved", "2026-11-02T10:00:00Z"))).outcome, "unmatched");
    const late = await send(notification("CheckoutDown", "a", "firing", "2026-11-02T10:00:00Z"));
    assert.equal(late.outcome, "unmatched");
    assert.match(late.reason ?? "", /resolve \(same start time\) arrived first/);
    assert.deepEqual(await incidents(), []);
    // The alert firing again is another occurrence (a new start time): that is a page.
    assert.equal((await send(notification("CheckoutDown", "a", "firing", "2026-11-02T11:00:00Z"))).outcome, "opened");
  });

  it("resolves an incident when its last alert resolves, even if another alert's firing came after its resolve", async () => {
    const opened = await send(notification("CartDown", "b", "firing", "2026-11-02T10:00:00Z"));
    await send(notification("CartDown", "a", "resolved", "2026-11-02T10:00:00Z"));
    // a's firing, delivered late: joining would mark a as firing again, and nothing would ever resolve it.
    assert.equal((await send(notification("CartDown", "a", "firing", "2026-11-02T10:00:00Z"))).outcome, "unmatched");
    const last = await send(notification("CartDown", "b", "resolved", "2026-11-02T10:00:00Z"));
    assert.deepEqual([last.outcome, last.reason], ["resolved", "resolved by source"]);
    const cart = (await incidents()).find((incident) => incident.key === opened.incident);
    assert.equal(cart?.state, "resolved");
  });
});
