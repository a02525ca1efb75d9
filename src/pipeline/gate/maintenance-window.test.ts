// A maintenance window end to end: through the HTTP intake, judged at each signal's own time.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { anomalyEvent, inMemorySluice } from "../../testing/in-memory-sluice.ts";

describe("maintenance window", async () => {
  const { sluice, memory } = await inMemorySluice({
    maintenance: [
      {
        name: "db-upgrade",
        match: { service: "payments", environment: "production" },
        start: "2026-11-02T10:00:00Z",
        end: "2026-11-02T10:30:00Z",
      },
    ],
  });
  after(() => sluice.close());
  const send = async (event: Record<string, unknown>) => {
    const response = await sluice.server.inject({ method: "POST", url: "/api/v1/signals", payload: event });
    assert.equal(response.statusCode, 202, response.body);
    return response.json().results[0] as { outcome: string; incident: string | null; reason: string | null };
  };
  const at = (timestamp: string, fields: Record<string, unknown> = {}) =>
    anomalyEvent({ "@timestamp": timestamp, service: "payments", environment: "production", ...fields });

  it("suppresses exactly the matching signals from its start up to (not including) its end", async () => {
    const outcomes = [
      // Inside, matching: stored and counted, never ticketed.
      await send(at("2026-11-02T10:00:00Z", { anomaly_type: "error_rate" })),
      await send(at("2026-11-02T10:29:59.999Z", { anomaly_type: "latency" })),
      // Inside, but another environment or another service: the window does not cover them.
      await send(at("2026-11-02T10:10:00Z", { anomaly_type: "saturation", environment: "staging" })),
      await send(at("2026-11-02T10:10:00Z", { anomaly_type: "saturation", service: "checkout" })),
      // Matching, outside: just before the start, and at the end.
      await send(at("2026-11-02T09:59:59.999Z", { anomaly_type: "traffic" })),
      await send(at("2026-11-02T10:30:00Z", { anomaly_type: "memory" })),
    ];
    assert.deepEqual(
      outcomes.map((o) => o.outcome),
      ["suppressed", "suppressed", "opened", "opened", "opened", "opened"],
    );
    assert.equal(outcomes[0]?.reason, 'maintenance window "db-upgrade"');
    assert.equal(outcomes[0]?.incident, null);
    await sluice.worker.flush();
    const ticketed = memory.received.filter((d) => d.action === "create").map((d) => d.incidentKey);
    assert.equal(ticketed.length, 4);
    assert.deepEqual(
      new Set(ticketed),
      new Set(outcomes.slice(2).map((o) => o.incident)),
      "tickets exactly for the four let through",
    );
    const metrics = (await sluice.server.inject({ url: "/metrics" })).body;
    assert.match(metrics, /^sluice_signals_total\{outcome="suppressed"\} 2$/m);
  });

  it("lets a resolve through during the window, so what was open before it can still close", async () => {
    const alert = (status: "firing" | "resolved") => ({
      version: "4",
      groupKey: '{}:{alertname="PaymentsDown"}',
      status,
      receiver: "sluice",
      alerts: [
        {
          status,
          labels: { alertname: "PaymentsDown", service: "payments", environment: "production", severity: "critical" },
          startsAt: "2026-11-02T09:50:00Z",
          endsAt: status === "resolved" ? "2026-11-02T10:05:00Z" : "0001-01-01T00:00:00Z",
          fingerprint: "payments-down",
        },
      ],
    });
    const post = async (status: "firing" | "resolved") =>
      (await sluice.server.inject({ method: "POST", url: "/api/v1/webhooks/alertmanager", payload: alert(status) })).json()
        .results[0] as { outcome: string; incident: string | null };
    const opened = await post("firing");
    assert.equal(opened.outcome, "opened");
    const resolved = await post("resolved");
    assert.deepEqual([resolved.outcome, resolved.incident], ["resolved", opened.incident]);
  });
});
