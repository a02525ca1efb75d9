/**
 * Issue 19: two `sluice serve` replicas on one real PostgreSQL escalate an unacknowledged critical incident
 * through a two-level policy (level 1 Slack and Jira, level 2 PagerDuty and the owning team's Opsgenie),
 * and once more beyond it, while one replica is killed with SIGKILL and later restarted. Each platform that
 * had no ticket gets exactly one; PagerDuty sees the REST call that moves its escalation level, Opsgenie
 * its escalate call; every escalation is on the timeline once.
 * Needs: PostgreSQL (SLUICE_TEST_DATABASE_URL, or scripts/postgres.sh provisions it), openssl.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { eventually } from "./support/eventually.ts";
import { startFakePlatforms } from "./support/fake-platforms.ts";
import { missingPeer } from "./support/missing-peer.ts";
import { createTestDatabase } from "./support/postgres-database.ts";
import { freePort, httpCall, SluiceProcess, sleep } from "./support/sluice-process.ts";

const WEBHOOK_SECRET = "escalation-levels-secret-0123456789";

const database = await createTestDatabase();
if ("problem" in database) {
  missingPeer("escalation levels on PostgreSQL", database.problem, "install PostgreSQL or set SLUICE_TEST_DATABASE_URL");
} else {
  test("two replicas escalate through two levels across a SIGKILL: one new ticket per platform, each level once", {
    timeout: 240_000,
  }, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "sluice-escalation-levels-"));
    const fake = await startFakePlatforms({ dir, webhookSecret: WEBHOOK_SECRET });
    const catalog = join(dir, "catalog.yaml");
    await writeFile(
      catalog,
      ["services:", "  - service: payments", "    team: payments", "    opsgenie: { team: payments-oncall }"].join("\n"),
    );
    const processes: SluiceProcess[] = [];
    t.after(async () => {
      for (const p of processes) await p.kill("SIGKILL");
      await fake.close();
      await rm(dir, { recursive: true, force: true });
    });
    const base = fake.url;
    const configFile = async (name: string, port: number) => {
      const file = join(dir, `${name}.json`);
      await writeFile(
        file,
        JSON.stringify({
          server: { port },
          storage: { databaseUrl: database.url, dataDir: join(dir, name) },
          log: { level: "warn" },
          anomaly: { quietPeriod: "1h" },
          investigation: { enabled: false },
          catalog: { files: [catalog] },
          routing: { critical: ["webhook"] },
          delivery: { initialBackoff: "50ms", maxBackoff: "500ms", timeout: "3s", concurrency: 8, maxAttempts: 10 },
          webhook: { enabled: true, url: `${base}/webhook/hook`, secret: WEBHOOK_SECRET },
          slack: { enabled: true, botToken: "xoxb-fake-token", channel: "#incidents", apiBaseUrl: `${base}/slack/api` },
          jira: {
            enabled: true,
            baseUrl: `${base}/jira`,
            email: "s@example.com",
            apiToken: "jira-fake-token",
            projectKey: "OPS",
          },
          pagerduty: {
            enabled: true,
            routingKey: "R0UT1NGKEY0123456789abcdefABCDEF",
            apiToken: "pd-fake-rest-token",
            fromEmail: "oncall@example.com",
            eventsBaseUrl: `${base}/pagerduty/events/v2`,
            apiBaseUrl: `${base}/pagerduty/api`,
          },
          opsgenie: {
            enabled: true,
            apiKey: "opsgenie-fake-key",
            baseUrl: `${base}/opsgenie`,
            requestStatusDelayMs: 50,
            escalation: "payments-escalation",
          },
          escalation: {
            policies: [
              {
                name: "critical-two-levels",
                match: { severity: "critical" },
                after: "3s",
                repeat: 3,
                levels: [{ platforms: ["slack", "jira"] }, { platforms: ["pagerduty"], team: ["opsgenie"] }],
              },
            ],
          },
        }),
      );
      return file;
    };
    const ports = [await freePort(), await freePort()];
    const files = [await configFile("a", ports[0] as number), await configFile("b", ports[1] as number)];
    const start = async (i: number) => {
      const p = new SluiceProcess(files[i] as string);
      processes.push(p);
      await p.ready(ports[i] as number);
      return p;
    };
    const a = await start(0);
    await start(1);
    const explain = () => `${fake.describe()}\n${processes.map((p) => p.log).join("\n---\n")}`;
    const incident = async (port: number) => {
      const reply = await httpCall(port, "GET", "/api/incidents/INC-1");
      return reply.status === 200
        ? (JSON.parse(reply.body) as { escalationLevel: number; timeline: { action: string; detail: string }[] })
        : undefined;
    };

    const sent = await httpCall(
      ports[0] as number,
      "POST",
      "/api/v1/signals",
      JSON.stringify({
        event_id: "escalation-levels-1",
        "@timestamp": new Date().toISOString(),
        anomaly_type: "error_rate",
        anomaly_score: 0.99,
        severity: "critical",
        service: "payments",
        environment: "production",
        message: "card authorisation timeout after 3000ms",
      }),
    );
    assert.equal(sent.status, 202, sent.body);

    await eventually("level 1", async () => ((await incident(ports[1] as number))?.escalationLevel ?? 0) >= 1 || undefined, {
      timeoutMs: 60_000,
      explain,
    });
    // One replica dies without a chance to finish anything it had claimed.
    assert.equal((await a.kill("SIGKILL")).signal, "SIGKILL");
    await eventually(
      "three escalations",
      async () => ((await incident(ports[1] as number))?.escalationLevel ?? 0) >= 3 || undefined,
      {
        timeoutMs: 150_000,
        explain,
      },
    );
    // The killed replica comes back on the same database; nothing may be done twice.
    await start(0);
    await eventually(
      "PagerDuty moved and Opsgenie escalated",
      async () =>
        (fake.pagerduty.incidents[0]?.escalationLevel ?? 1) >= 2 && (fake.opsgenie.alerts[0]?.log.includes("escalate") ?? false)
          ? true
          : undefined,
      { timeoutMs: 60_000, explain },
    );
    await sleep(6000); // more than a timer round on both replicas

    const final = await incident(ports[0] as number);
    assert.ok(final);
    assert.equal(final.escalationLevel, 3, "repeat 3: no fourth escalation");
    const escalations = final.timeline.filter((e) => e.action === "escalated").map((e) => e.detail);
    assert.equal(escalations.length, 3, escalations.join("\n"));
    assert.match(escalations[0] ?? "", /level 1 of policy "critical-two-levels": slack, jira \(new tickets: slack, jira\)/);
    assert.match(escalations[1] ?? "", /level 2 of policy "critical-two-levels": pagerduty, opsgenie and team payments/);

    const roots = fake.slack.messages.filter((m) => m.threadTs === null);
    assert.equal(roots.length, 1, `one Slack root message: ${fake.describe()}`);
    assert.equal(fake.jira.issues.size, 1, fake.describe());
    assert.equal(fake.pagerduty.incidents.length, 1, fake.describe());
    assert.equal(fake.pagerduty.incidents[0]?.alerts, 1, "one trigger: the escalation beyond level 2 is a REST call");
    assert.equal(fake.pagerduty.incidents[0]?.escalationLevel, 2, "moved one level by the third escalation");
    assert.equal(fake.opsgenie.alerts.length, 1, fake.describe());
    assert.equal(fake.opsgenie.alerts[0]?.count, 1, "created once");
    assert.equal(fake.opsgenie.alerts[0]?.log.filter((entry) => entry === "escalate").length, 1);
    assert.equal(fake.webhook.tickets.size, 1, "the level-0 platform keeps its one ticket");
  });
}
