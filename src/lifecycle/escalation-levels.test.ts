// Issue 19: an unacknowledged critical incident escalates through a two-level policy: level 1 reaches Slack
// and Jira, level 2 PagerDuty and the owning team's Opsgenie. Each platform that had no ticket gets one,
// exactly once, also when a timer fires again after a crash; a restart on the same data keeps it so.
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
const PLATFORMS = ["memory", "slack", "jira", "pagerduty", "opsgenie"] as const;

describe("escalation policy levels", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "sluice-escalation-levels-"));
  const catalog = join(dataDir, "catalog.yaml");
  writeFileSync(
    catalog,
    [
      "services:",
      "  - service: payments",
      "    team: payments",
      "    runbook: https://runbooks.example.com/payments",
      "    opsgenie: { team: payments-oncall }",
      "  - service: search",
      "    team: discovery",
    ].join("\n"),
  );
  const { config, warnings } = parseConfig(
    {
      slack: { enabled: true, botToken: "xoxb-test-token", channel: "#incidents" },
      jira: { enabled: true, baseUrl: "https://acme.atlassian.net", projectKey: "OPS", email: "s@example.com", apiToken: "t" },
      pagerduty: { enabled: true, routingKey: "R".repeat(32) },
      opsgenie: { enabled: true, apiKey: "opsgenie-test-key" },
      routing: { critical: ["memory"] },
      catalog: { files: [catalog] },
      investigation: { enabled: false },
      escalation: {
        policies: [
          {
            name: "critical-two-levels",
            match: { severity: "critical" },
            after: "5m",
            repeat: 2,
            levels: [
              { platforms: ["slack", "jira"] },
              {
                platforms: ["pagerduty"],
                team: ["opsgenie"],
                jira: { assignee: "5b10ac8d82e05b22cc7d4ef5", priority: "Highest" },
                servicenow: { group: "Network" },
              },
            ],
          },
        ],
      },
    },
    {},
    process.cwd(),
    "test",
  );
  assert.deepEqual(warnings, []);
  const clock = new ManualClock(T0);
  const open = async (): Promise<Sluice> =>
    createSluice(config, { clock, dataDir, dryRun: true, processMetrics: false, logger: pino({ level: "silent" }) });
  let sluice = await open();
  after(() => sluice.close());
  const at = async (minutes: number) => {
    clock.set(T0 + minutes * MINUTE);
    const fired = await sluice.escalations.tick();
    await sluice.worker.flush();
    return fired;
  };
  /** What each platform received for an incident, in order. */
  const received = (key: string) =>
    Object.fromEntries(
      PLATFORMS.map((platform) => [
        platform,
        (sluice.connectors.get(platform) as MemoryConnector).received.filter((d) => d.incidentKey === key).map((d) => d.action),
      ]),
    );
  const incident = async (key: string) =>
    (await sluice.server.inject({ url: `/api/incidents/${key}` })).json() as {
      id: string;
      state: string;
      escalationLevel: number;
      timeline: { actor: string; action: string; detail: string }[];
      tickets: { platform: string }[];
    };

  it("reaches level 1 (Slack, Jira) and then level 2 (PagerDuty, the team's Opsgenie), each new platform once", async () => {
    const sent = await sluice.server.inject({
      method: "POST",
      url: "/api/v1/signals",
      payload: anomalyEvent({ severity: "critical", service: "payments" }),
    });
    assert.equal(sent.statusCode, 202, sent.body);
    await sluice.worker.flush();
    assert.equal(await at(4), 0);
    assert.equal(await at(5), 1);
    assert.deepEqual(received("INC-1"), {
      memory: ["create", "escalate"],
      slack: ["create"],
      jira: ["create"],
      pagerduty: [],
      opsgenie: [],
    });
    const first = await incident("INC-1");
    assert.equal(first.escalationLevel, 1);
    const level1 = first.timeline.find((e) => e.action === "escalated");
    assert.equal(level1?.actor, "sluice:escalation");
    assert.match(level1?.detail ?? "", /not acknowledged within 5 min/);
    assert.match(
      level1?.detail ?? "",
      /escalated to level 1 of policy "critical-two-levels": slack, jira \(new tickets: slack, jira\)/,
    );
    const slack = (sluice.connectors.get("slack") as MemoryConnector).received.find((d) => d.incidentKey === "INC-1");
    assert.match(slack?.detail ?? "", /Escalated to you \(level 1 of policy "critical-two-levels"\) by sluice:escalation/);
    assert.match(slack?.detail ?? "", /Already on: memory\./);

    assert.equal(await at(10), 1);
    assert.deepEqual(received("INC-1"), {
      memory: ["create", "escalate", "escalate"],
      slack: ["create", "escalate"],
      jira: ["create", "escalate"],
      pagerduty: ["create"],
      opsgenie: ["create"],
    });
    const second = await incident("INC-1");
    assert.equal(second.escalationLevel, 2);
    assert.match(
      second.timeline.filter((e) => e.action === "escalated")[1]?.detail ?? "",
      /level 2 of policy "critical-two-levels": pagerduty, opsgenie and team payments \(new tickets: pagerduty, opsgenie\)/,
    );
    assert.deepEqual(second.tickets.map((t) => t.platform).sort(), ["jira", "memory", "opsgenie", "pagerduty", "slack"]);
    // Level 2 reassigns on Jira: the timeline says so, and only Jira's escalate carries the order.
    assert.match(
      second.timeline.filter((e) => e.action === "escalated")[1]?.detail ?? "",
      /reassigned: jira assignee 5b10ac8d82e05b22cc7d4ef5, jira priority Highest$/,
    );
    const escalates = (platform: string) =>
      (sluice.connectors.get(platform) as MemoryConnector).received.filter(
        (d) => d.incidentKey === "INC-1" && d.action === "escalate",
      );
    assert.deepEqual(
      escalates("jira").map((d) => d.escalation),
      [{ policy: "critical-two-levels", level: 2, assignee: "5b10ac8d82e05b22cc7d4ef5", priority: "Highest" }],
    );
    assert.deepEqual(
      escalates("slack").map((d) => d.escalation),
      [undefined],
    );
    assert.equal(await at(60), 0, "repeat is 2: no third escalation");
  });

  it("takes a step only once when its timer fires again (a crash before the timer was completed), across a restart", async () => {
    const before = received("INC-1");
    const { id } = await incident("INC-1");
    // The timer of step 2 again, as a process killed after escalating but before completing it leaves it.
    await sluice.store.apply({
      signals: [],
      newIncidents: [],
      incidentChanges: [],
      alertStates: [],
      timeline: [],
      deliveries: [],
      timers: [{ kind: "escalate", incidentId: id, step: 2, dueAt: clock.now() }],
    });
    await sluice.close();
    sluice = await open();
    assert.equal(await at(61), 0);
    assert.deepEqual(received("INC-1"), Object.fromEntries(PLATFORMS.map((p) => [p, []])), "a fresh process: nothing sent again");
    assert.equal((await incident("INC-1")).escalationLevel, 2);
    assert.ok(before.pagerduty?.length === 1 && before.opsgenie?.length === 1);
  });

  it("leaves the team's platforms out when its catalog entry names no destination there, and stops at acknowledge", async () => {
    const sent = await sluice.server.inject({
      method: "POST",
      url: "/api/v1/signals",
      payload: anomalyEvent({ severity: "critical", service: "search" }),
    });
    assert.equal(sent.statusCode, 202, sent.body);
    await sluice.worker.flush();
    // By hand: the same levels apply.
    const escalated = await sluice.server.inject({ method: "POST", url: "/api/incidents/INC-2/escalate", payload: {} });
    assert.equal(escalated.statusCode, 200, escalated.body);
    await sluice.worker.flush();
    assert.deepEqual((await incident("INC-2")).tickets.map((t) => t.platform).sort(), ["jira", "memory", "slack"]);
    await sluice.server.inject({ method: "POST", url: "/api/incidents/INC-2/acknowledge", payload: {} });
    assert.equal(await at(120), 0, "acknowledged: no further level");
    await sluice.server.inject({ method: "POST", url: "/api/incidents/INC-2/escalate", payload: {} });
    await sluice.worker.flush();
    const last = await incident("INC-2");
    assert.match(
      last.timeline.filter((e) => e.action === "escalated")[1]?.detail ?? "",
      /level 2 .*: pagerduty \(new tickets: pagerduty\); reassigned: jira assignee 5b10ac8d82e05b22cc7d4ef5, jira priority Highest$/,
    );
    assert.deepEqual(
      last.tickets.map((t) => t.platform).sort(),
      ["jira", "memory", "pagerduty", "slack"],
      "no Opsgenie for discovery",
    );
  });
});
