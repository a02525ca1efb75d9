// The issue 19 SLI test: a stream of incidents goes through create, assign, acknowledge, reassign, escalate
// and resolve, with mixed outcomes (some through Jira's webhooks), on a manual clock; every M1–M9 figure at
// /metrics and GET /api/stats is checked against the values worked out by hand below.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { jiraSignature } from "../connectors/jira/jira-sync.ts";
import { anomalyEvent, inMemorySluice } from "../testing/in-memory-sluice.ts";

const SECRET = "jira-webhook-secret-0123456789";
const T0 = Math.floor(Date.now() / 1000) * 1000;
const S = 1000;

/** Jira's documented issue_updated, changed into an assignment or a status change of `issueKey`. */
function jiraWebhook(
  at: number,
  issueKey: string,
  change: { assignee: string } | { status: string; category: string; resolution?: string },
): string {
  const body = JSON.parse(
    readFileSync(new URL("../connectors/jira/fixtures/webhooks/issue-updated-status.json", import.meta.url), "utf8"),
  );
  body.timestamp = at;
  body.issue.key = issueKey;
  body.issue.fields.labels = [];
  if ("assignee" in change) {
    body.changelog.items = [{ field: "assignee", fieldtype: "jira", from: null, to: "acc", toString: change.assignee }];
  } else {
    body.issue.fields.status.name = change.status;
    body.issue.fields.status.statusCategory.key = change.category;
    body.changelog.items = [{ field: "status", fieldtype: "jira", toString: change.status }];
    if (change.resolution) body.changelog.items.push({ field: "resolution", fieldtype: "jira", toString: change.resolution });
  }
  return JSON.stringify(body);
}

describe("the ticketing SLIs (M1–M9) at /metrics and GET /api/stats", async () => {
  const { sluice, clock } = await inMemorySluice(
    {
      jira: { enabled: true, baseUrl: "https://acme.atlassian.net", projectKey: "OPS", webhookSecret: SECRET },
      pagerduty: { enabled: true, routingKey: "R".repeat(32) },
      routing: { critical: ["jira", "pagerduty"], high: ["jira"], medium: ["jira"] },
      catalog: { files: [join(process.cwd(), "src", "cli", "demo", "demo-catalog.yaml")] },
      investigation: { enabled: false },
    },
    T0,
  );
  after(() => sluice.close());

  const at = (offsetSeconds: number) => clock.set(T0 + offsetSeconds * S);
  const open = async (service: string, severity: string, eventTime: number) => {
    const response = await sluice.server.inject({
      method: "POST",
      url: "/api/v1/signals",
      payload: anomalyEvent({ service, severity, "@timestamp": new Date(eventTime).toISOString() }),
    });
    assert.equal(response.statusCode, 202, response.body);
    assert.equal(response.json().results[0].outcome, "opened", `${service} opens its own incident`);
    return response.json().results[0].incident as string;
  };
  const confirm = async () => sluice.worker.flush();
  const jira = async (key: string, change: Parameters<typeof jiraWebhook>[2]) => {
    const body = jiraWebhook(clock.now(), `jira-${key}`, change);
    const response = await sluice.server.inject({
      method: "POST",
      url: "/api/v1/sync/jira",
      headers: { "content-type": "application/json", "x-hub-signature": jiraSignature(SECRET, body) },
      payload: body,
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.json().outcomes[0].result, "applied", response.body);
  };
  const api = async (key: string, action: string, body: object = {}) => {
    const response = await sluice.server.inject({ method: "POST", url: `/api/incidents/${key}/${action}`, payload: body });
    assert.equal(response.statusCode, 200, response.body);
  };

  before(async () => {
    // Create, each confirmed by its platforms a few seconds after its first signal arrived.
    at(0);
    const a = await open("payments", "critical", T0 - 30 * S); // M1 32 s on jira and pagerduty
    at(2);
    await confirm();
    at(10);
    const b = await open("checkout", "high", T0 + 5 * S); // M1 9 s
    at(14);
    await confirm();
    at(20);
    const c = await open("orders", "high", T0 + 20 * S + 10 * 60 * S); // stamped 10 minutes ahead: skewed, future
    at(21);
    await confirm();
    at(30);
    const d = await open("search", "medium", T0 + 30 * S - 2 * 86_400 * S); // two days old: skewed, too old
    at(31);
    await confirm();
    at(40);
    const e = await open("inventory", "high", T0 + 39 * S); // M1 4 s
    at(43);
    await confirm();
    at(50);
    const f = await open("auth", "high", T0 + 47 * S); // M1 5 s
    at(52);
    await confirm();
    assert.deepEqual([a, b, c, d, e, f], ["INC-1", "INC-2", "INC-3", "INC-4", "INC-5", "INC-6"]);

    // Assign, acknowledge, reassign, escalate and resolve: through Jira, the API and a merge.
    at(62);
    await jira("INC-1", { assignee: "Mia Krystof" }); // M5 60 s
    at(73);
    await jira("INC-5", { assignee: "Ravi Shah" }); // M5 30 s
    at(74);
    await jira("INC-2", { status: "In Progress", category: "indeterminate" }); // M6 60 s
    at(92);
    await api("INC-1", "acknowledge"); // M6 90 s
    at(100);
    await api("INC-1", "escalate"); // M8
    at(122);
    await jira("INC-1", { assignee: "Sam Okafor" }); // a reassignment
    at(200);
    await api("INC-3", "resolve", { outcome: "duplicate" }); // M7 179 s, closed as duplicate
    at(250);
    await jira("INC-4", { status: "Done", category: "done", resolution: "Duplicate" }); // M7 219 s, duplicate
    at(302);
    await api("INC-1", "resolve", { outcome: "fixed", reason: "rolled back" }); // M7 300 s, fixed
    at(400);
    const six = await sluice.store.incidents.get("INC-6");
    const five = await sluice.store.incidents.get("INC-5");
    assert.ok(six && five);
    await sluice.lifecycle.merge(six.id, five.id, "same pattern"); // M7 348 s, merged: duplicate
    at(614);
    await jira("INC-2", { status: "Done", category: "done", resolution: "Won't Do" }); // M7 600 s, false positive
    await confirm();
  });

  /** The figures worked out by hand from the stream above. */
  const expected = {
    created: 6,
    m1: {
      "jira/critical": { count: 1, sum: 32, p50: 32, p90: 32 },
      "pagerduty/critical": { count: 1, sum: 32, p50: 32, p90: 32 },
      // 9 (INC-2), 4 (INC-5), 5 (INC-6): sorted 4, 5, 9.
      "jira/high": { count: 3, sum: 18, p50: 5, p90: 9 },
    },
    clockSkew: { future: 1, tooOld: 1 },
    // Outcomes: INC-1 fixed, INC-2 false_positive (Won't Do), INC-3 duplicate (API), INC-4 duplicate (Jira), INC-6 merged.
    outcomes: { fixed: 1, false_positive: 1, duplicate: 3, auto_resolved: 0, not_actionable: 0 },
    m2: 1 / 5,
    m3: 3 / 6,
    m4: 1 / 5,
    m5: { count: 2, sum: 90, p50: 30, p90: 60, reassignments: 1, reassignedRatio: 1 / 2 },
    m6: { count: 2, sum: 150, p50: 60, p90: 90 },
    // 179, 219, 300, 348, 600.
    m7: { count: 5, sum: 1646, p50: 300, p90: 600 },
    m8: 1 / 6,
    // Catalog entries with a runbook: payments, checkout, orders (search, inventory and auth have none).
    m9: { enriched: 3, ticketed: 6, ratio: 3 / 6 },
  };

  it("answers GET /api/stats with every figure", async () => {
    const response = await sluice.server.inject({ url: `/api/stats?since=${new Date(T0 - 60 * S).toISOString()}` });
    assert.equal(response.statusCode, 200, response.body);
    const stats = response.json();
    assert.equal(stats.created, expected.created);
    // M10: no playbook is configured here, so no remediation run concluded.
    assert.deepEqual(stats.m10AutomationSuccess, { ratio: null, succeeded: 0, concluded: 0, runs: 0 });
    const m1 = Object.fromEntries(
      stats.m1TicketCreation.byPlatformAndSeverity.map(
        (row: { platform: string; severity: string; count: number; sum: number; p50: number; p90: number }) => [
          `${row.platform}/${row.severity}`,
          { count: row.count, sum: row.sum, p50: row.p50, p90: row.p90 },
        ],
      ),
    );
    assert.deepEqual(m1, expected.m1);
    assert.deepEqual(stats.m1TicketCreation.clockSkew, expected.clockSkew);
    assert.deepEqual(stats.outcomes, expected.outcomes);
    assert.equal(stats.m2TicketAccuracy.ratio, expected.m2);
    assert.equal(stats.m3DuplicateRate.ratio, expected.m3);
    assert.deepEqual([stats.m3DuplicateRate.merged, stats.m3DuplicateRate.closedAsDuplicate], [1, 2]);
    assert.equal(stats.m4FalsePositiveRate.ratio, expected.m4);
    const { m5TimeToAssign: m5, m6TimeToAcknowledge: m6, m7TimeToResolve: m7 } = stats;
    assert.deepEqual(
      {
        count: m5.count,
        sum: m5.sum,
        p50: m5.p50,
        p90: m5.p90,
        reassignments: m5.reassignments,
        reassignedRatio: m5.reassignedRatio,
      },
      expected.m5,
    );
    assert.deepEqual({ count: m6.count, sum: m6.sum, p50: m6.p50, p90: m6.p90 }, expected.m6);
    assert.deepEqual({ count: m7.count, sum: m7.sum, p50: m7.p50, p90: m7.p90 }, expected.m7);
    assert.equal(stats.m8EscalationRate.ratio, expected.m8);
    assert.deepEqual(
      {
        enriched: stats.m9EnrichmentSuccess.enriched,
        ticketed: stats.m9EnrichmentSuccess.ticketed,
        ratio: stats.m9EnrichmentSuccess.ratio,
      },
      expected.m9,
    );
  });

  it("exports the same figures at /metrics over sli.window", async () => {
    const text = (await sluice.server.inject({ url: "/metrics" })).body;
    const value = (series: string) => {
      const line = text.split("\n").find((l) => l.startsWith(`${series} `));
      assert.ok(line, `${series} is exported`);
      return Number(line.slice(series.length + 1));
    };
    assert.equal(value("sluice_sli_incidents_created"), expected.created);
    for (const [key, figures] of Object.entries(expected.m1)) {
      const [platform, severity] = key.split("/");
      const labels = `platform="${platform}",severity="${severity}"`;
      assert.equal(value(`sluice_sli_ticket_creation_seconds_count{${labels}}`), figures.count, key);
      assert.equal(value(`sluice_sli_ticket_creation_seconds_sum{${labels}}`), figures.sum, key);
      assert.equal(value(`sluice_sli_ticket_creation_seconds{${labels},quantile="0.5"}`), figures.p50, key);
      assert.equal(value(`sluice_sli_ticket_creation_seconds{${labels},quantile="0.9"}`), figures.p90, key);
    }
    assert.equal(value('sluice_sli_clock_skew_incidents{reason="future"}'), expected.clockSkew.future);
    assert.equal(value('sluice_sli_clock_skew_incidents{reason="too_old"}'), expected.clockSkew.tooOld);
    for (const [outcome, count] of Object.entries(expected.outcomes))
      assert.equal(value(`sluice_sli_resolve_outcomes{outcome="${outcome}"}`), count, outcome);
    assert.equal(value("sluice_sli_ticket_accuracy_ratio"), expected.m2);
    assert.equal(value("sluice_sli_duplicate_ratio"), expected.m3);
    assert.equal(value("sluice_sli_false_positive_ratio"), expected.m4);
    assert.equal(value("sluice_sli_time_to_assign_seconds_count"), expected.m5.count);
    assert.equal(value("sluice_sli_time_to_assign_seconds_sum"), expected.m5.sum);
    assert.equal(value('sluice_sli_time_to_assign_seconds{quantile="0.5"}'), expected.m5.p50);
    assert.equal(value('sluice_sli_time_to_assign_seconds{quantile="0.9"}'), expected.m5.p90);
    assert.equal(value("sluice_sli_reassignments"), expected.m5.reassignments);
    assert.equal(value("sluice_sli_reassigned_ratio"), expected.m5.reassignedRatio);
    for (const [name, figures] of [
      ["sluice_sli_time_to_acknowledge_seconds", expected.m6],
      ["sluice_sli_time_to_resolve_seconds", expected.m7],
    ] as const) {
      assert.equal(value(`${name}_count`), figures.count, name);
      assert.equal(value(`${name}_sum`), figures.sum, name);
      assert.equal(value(`${name}{quantile="0.5"}`), figures.p50, name);
      assert.equal(value(`${name}{quantile="0.9"}`), figures.p90, name);
    }
    assert.equal(value("sluice_sli_escalation_ratio"), expected.m8);
    assert.equal(value("sluice_sli_enrichment_success_ratio"), expected.m9.ratio);
  });

  it("covers only the incidents created in the range asked for, and names a bad range", async () => {
    const since = new Date(T0 + 15 * S).toISOString();
    const until = new Date(T0 + 45 * S).toISOString();
    const stats = (await sluice.server.inject({ url: `/api/stats?since=${since}&until=${until}` })).json();
    // INC-3, INC-4 and INC-5: two skewed, one 4 s on jira/high.
    assert.equal(stats.created, 3);
    assert.deepEqual(stats.m1TicketCreation.clockSkew, { future: 1, tooOld: 1 });
    assert.deepEqual(stats.m1TicketCreation.all.count, 1);
    const backwards = await sluice.server.inject({ url: `/api/stats?since=${until}&until=${since}` });
    assert.equal(backwards.statusCode, 422);
    assert.match(backwards.json().error.message, /since must not be after until/);
    const instant = await sluice.server.inject({ url: `/api/stats?since=${since}&until=${since}` });
    assert.equal(instant.statusCode, 200, "a closed range of one instant is valid");
    const future = await sluice.server.inject({
      url: `/api/stats?since=${new Date(Date.parse(until) + 3_600_000 * 24 * 365).toISOString()}`,
    });
    assert.equal(future.statusCode, 200, "a since after now, with no until, is an empty range");
    assert.equal(future.json().created, 0);
    const bad = await sluice.server.inject({ url: "/api/stats?since=yesterday" });
    assert.equal(bad.statusCode, 422);
    assert.equal(bad.json().error.problems[0].path, "query.since");
  });

  it("refuses an outcome on anything but a resolve, and an unknown outcome", async () => {
    const refused = await sluice.server.inject({
      method: "POST",
      url: "/api/incidents/INC-5/acknowledge",
      payload: { outcome: "fixed" },
    });
    assert.equal(refused.statusCode, 422, refused.body);
    const unknown = await sluice.server.inject({
      method: "POST",
      url: "/api/incidents/INC-5/resolve",
      payload: { outcome: "great" },
    });
    assert.equal(unknown.statusCode, 422, unknown.body);
    assert.equal((await sluice.store.incidents.get("INC-5"))?.state, "open");
  });
});
