/**
 * One incident's whole life through every platform at once, with a crash in the middle:
 * "A replay of one incident's life through all platforms at once yields exactly one ticket per
 * platform, the right state on each at the end, and no duplicate after a restart mid-way."
 *
 * Real processes this test starts (all on 127.0.0.1, all ended by the test):
 * - `node bin/sluice.js serve --config <tmp>/sluice.json`, twice in a row on the same data directory
 *   (a temporary directory) and the same port: the first is killed with SIGKILL right after the
 *   acknowledge was accepted, while the note's and the acknowledge's deliveries are in flight; the
 *   second takes over and is stopped with SIGTERM at the end. Both get NODE_EXTRA_CA_CERTS so they trust
 *   the fake platforms' throwaway certificate.
 * - `openssl req -x509 ...` once, to make that certificate (Teams accepts only https webhook URLs).
 * In this process: the fake platforms (test/support/fake-platforms.ts), one node:http server on a random
 * 127.0.0.1 port (plus a TLS listener feeding the same server) that emulates PagerDuty, Jira Cloud,
 * ServiceNow, Zammad, Opsgenie, JSM Ops, Slack, Teams Workflows and a generic webhook receiver, each with
 * its real idempotency (dedup_key, label search, correlation_id search, tag search, alias, Idempotency-Key)
 * and none where the real platform has none (Slack posts, Teams cards, comments and notes).
 *
 * The life: a critical anomaly opens INC-1 (plus repeats that deduplicate into it and an exact re-send
 * that is a duplicate), a ticket is opened on every platform, a note, an acknowledge, SIGKILL, restart,
 * an escalate and a resolve; then the outbox must drain with no dead letter.
 *
 * The crash comes after the tickets exist. A crash while a create's answer is in transit still leaves one
 * ticket on every platform with idempotency, but a second root message on Slack (chat.postMessage has no
 * idempotency key) and a second "New incident" card on Teams: that window is not what this test asserts.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import Database from "better-sqlite3";
import { type FakePlatforms, startFakePlatforms } from "./support/fake-platforms.ts";
import { freePort, httpCall, SluiceProcess, sleep } from "./support/sluice-process.ts";

const WEBHOOK_SECRET = "all-platforms-test-secret-0123456789";
const PLATFORMS = ["webhook", "slack", "pagerduty", "jira", "servicenow", "zammad", "teams", "opsgenie", "jsm"] as const;
/** How long to wait for the outbox to drain after each phase. */
const SETTLE_MS = 20_000;
/** How long answers are held back around the crash, so deliveries are in flight when it comes. */
const IN_TRANSIT_MS = 400;
/**
 * Platform requests (since the note) after which Sluice is killed: 14 lands after the notes went through
 * and while the acknowledges are applied but unanswered. SLUICE_ALL_PLATFORMS_KILL_AFTER moves the crash.
 */
const KILL_AFTER = Number(process.env.SLUICE_ALL_PLATFORMS_KILL_AFTER ?? 14);

async function api<T>(port: number, method: string, path: string, body: unknown = null, expected = 200): Promise<T> {
  const reply = await httpCall(port, method, path, body === null ? null : JSON.stringify(body));
  assert.equal(reply.status, expected, `${method} ${path}: ${reply.body}`);
  return JSON.parse(reply.body) as T;
}

interface DeliveryRow {
  id: string;
  platform: string;
  action: string;
  attempts: number;
  lastError: string | null;
}

interface IncidentView {
  id: string;
  key: string;
  state: string;
  severity: string;
  signalCount: number;
  escalationLevel: number;
  timeline: { action: string; actor: string; detail: string }[];
  tickets: { platform: string; externalId: string; meta: Record<string, unknown> }[];
}

/** Polls until no delivery is pending (bounded in time and count); returns what is still pending. */
async function settle(port: number, ms = SETTLE_MS): Promise<DeliveryRow[]> {
  const until = Date.now() + ms;
  let pending: DeliveryRow[] = [];
  for (let polls = 0; Date.now() < until && polls < 1000; polls++) {
    pending = (await api<{ items: DeliveryRow[] }>(port, "GET", "/api/deliveries?status=pending&limit=500")).items;
    if (pending.length === 0) return [];
    await sleep(100);
  }
  return pending;
}

async function deadLetters(port: number): Promise<DeliveryRow[]> {
  return (await api<{ items: DeliveryRow[] }>(port, "GET", "/api/deliveries?status=dead&limit=500")).items;
}

const describeRows = (rows: DeliveryRow[]) =>
  rows.map((d) => `${d.platform}/${d.action} x${d.attempts}${d.lastError ? ` (${d.lastError})` : ""}`).join("; ");

/** Pending outbox rows straight from the database of the killed process (what the restart must finish). */
function pendingInDatabase(file: string): string[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare("SELECT platform, action, attempts FROM deliveries WHERE status = 'pending' ORDER BY id").all() as {
      platform: string;
      action: string;
      attempts: number;
    }[];
    return rows.map((r) => `${r.platform}/${r.action}${r.attempts > 0 ? `(attempted ${r.attempts})` : ""}`);
  } finally {
    db.close();
  }
}

function configFor(fake: FakePlatforms, port: number, dataDir: string): Record<string, unknown> {
  const base = fake.url;
  return {
    server: { port },
    storage: { dataDir, synchronous: "full" },
    log: { level: "warn" },
    anomaly: { quietPeriod: "1h" },
    routing: { critical: [...PLATFORMS] },
    delivery: { initialBackoff: "50ms", maxBackoff: "500ms", timeout: "3s", concurrency: 16, maxAttempts: 10 },
    webhook: { enabled: true, url: `${base}/webhook/hook`, secret: WEBHOOK_SECRET },
    slack: { enabled: true, botToken: "xoxb-fake-token", channel: "#incidents", apiBaseUrl: `${base}/slack/api` },
    pagerduty: {
      enabled: true,
      routingKey: "R0UT1NGKEY0123456789abcdefABCDEF",
      apiToken: "pd-fake-rest-token",
      fromEmail: "oncall@example.com",
      eventsBaseUrl: `${base}/pagerduty/events/v2`,
      apiBaseUrl: `${base}/pagerduty/api`,
    },
    jira: {
      enabled: true,
      baseUrl: `${base}/jira`,
      email: "sluice@example.com",
      apiToken: "jira-fake-token",
      projectKey: "OPS",
      transitions: { acknowledge: "Start Progress" },
    },
    servicenow: { enabled: true, baseUrl: `${base}/servicenow`, username: "sluice.integration", password: "sn-fake-password" },
    zammad: {
      enabled: true,
      baseUrl: `${base}/zammad`,
      token: "zammad-fake-token",
      group: "Users",
      customer: "guess:sluice@example.com",
    },
    teams: { enabled: true, webhookUrl: `${fake.httpsUrl}/teams/workflow?sig=fake-signature` },
    opsgenie: { enabled: true, apiKey: "opsgenie-fake-key", baseUrl: `${base}/opsgenie`, requestStatusDelayMs: 50 },
    jsm: {
      enabled: true,
      baseUrl: `${base}/jsm`,
      email: "sluice@example.com",
      apiToken: "jsm-fake-token",
      requestStatusDelayMs: 50,
    },
  };
}

function anomaly(id: string, ms: number): Record<string, unknown> {
  return {
    event_id: id,
    "@timestamp": new Date().toISOString(),
    anomaly_type: "error_rate",
    anomaly_score: 0.99,
    severity: "critical",
    service: "checkout",
    environment: "production",
    message: `payment gateway timeout after ${ms}ms calling 10.0.3.${ms % 200}:8443`,
  };
}

test("one incident's life through all platforms, with a SIGKILL mid-way: one ticket each, right final state", {
  timeout: 90_000,
}, async (t) => {
  const started = Date.now();
  const dir = await mkdtemp(join(tmpdir(), "sluice-all-platforms-"));
  const fake = await startFakePlatforms({ dir, webhookSecret: WEBHOOK_SECRET });
  const port = await freePort();
  const processes: SluiceProcess[] = [];
  t.after(async () => {
    for (const p of processes) if (p.running) await p.kill("SIGKILL");
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  });
  const dataDir = join(dir, "data");
  const configFile = join(dir, "sluice.json");
  await writeFile(configFile, JSON.stringify(configFor(fake, port, dataDir)));
  const launch = async () => {
    const p = new SluiceProcess(configFile, { NODE_EXTRA_CA_CERTS: fake.caFile });
    processes.push(p);
    await p.ready(port);
    return p;
  };
  const failure = (what: string, current: SluiceProcess) =>
    `${what}\n--- platforms ---\n${fake.describe()}\n--- sluice output (tail) ---\n${current.log}`;

  let current = await launch();
  t.diagnostic(`first sluice ready after ${Date.now() - started} ms (pid ${current.child.pid})`);

  // --- Open: one critical anomaly, repeats of the same problem, and an exact re-send. ---
  const first = anomaly("all-platforms-1", 3000);
  const opened = await api<{ results: { outcome: string; incident: string | null }[] }>(
    port,
    "POST",
    "/api/v1/signals",
    first,
    202,
  );
  assert.equal(opened.results[0]?.outcome, "opened", JSON.stringify(opened));
  const repeats = await api<{ results: { outcome: string }[] }>(
    port,
    "POST",
    "/api/v1/signals",
    [anomaly("all-platforms-2", 4100), anomaly("all-platforms-3", 5200), first],
    202,
  );
  assert.deepEqual(
    repeats.results.map((r) => r.outcome),
    ["deduplicated", "deduplicated", "duplicate"],
  );
  const list = await api<{ items: { key: string; signalCount: number; severity: string }[] }>(port, "GET", "/api/incidents");
  assert.equal(list.items.length, 1, `one incident: ${JSON.stringify(list.items)}`);
  assert.equal(list.items[0]?.key, "INC-1");
  assert.equal(list.items[0]?.severity, "critical");
  assert.equal(list.items[0]?.signalCount, 3, "three distinct signals, the re-send not counted");

  const afterOpen = await settle(port);
  assert.deepEqual(afterOpen, [], failure(`creates still pending: ${describeRows(afterOpen)}`, current));
  const opening = await api<IncidentView>(port, "GET", "/api/incidents/INC-1");
  assert.deepEqual(
    opening.tickets.map((ticket) => ticket.platform).sort(),
    [...PLATFORMS].sort(),
    failure("a ticket on every platform", current),
  );
  t.diagnostic(`tickets opened on ${PLATFORMS.length} platforms after ${Date.now() - started} ms`);

  // --- Note and acknowledge, then SIGKILL while their deliveries are in flight. ---
  fake.latencyMs = IN_TRANSIT_MS;
  const seenBefore = fake.log.length;
  await api(port, "POST", "/api/incidents/INC-1/notes", { text: "Rolling back payments-api 2.14.1" }, 201);
  const acked = await api<{ state: string }>(port, "POST", "/api/incidents/INC-1/acknowledge", { reason: "on it" });
  assert.equal(acked.state, "acknowledged");
  // Kill once the platforms have applied the notes and some acknowledges whose answers are still on the way.
  const killBy = Date.now() + 5000;
  for (let polls = 0; fake.log.length - seenBefore < KILL_AFTER && Date.now() < killBy && polls < 500; polls++) await sleep(10);
  const appliedBeforeKill = fake.log.length - seenBefore;
  const exit = await current.kill("SIGKILL");
  assert.equal(exit.signal, "SIGKILL", "the first process died from SIGKILL");
  const leftOver = pendingInDatabase(join(dataDir, "sluice.db"));
  t.diagnostic(
    `SIGKILL after ${appliedBeforeKill} platform requests since the note; pending at the kill: ${leftOver.join(" ") || "none"}`,
  );
  assert.ok(leftOver.length > 0, "the kill came while deliveries were still pending");

  // --- Restart on the same data directory, then escalate and resolve. ---
  fake.latencyMs = 0;
  current = await launch();
  t.diagnostic(`second sluice ready (pid ${current.child.pid})`);
  const escalated = await api<{ state: string }>(port, "POST", "/api/incidents/INC-1/escalate", {
    reason: "error rate still climbing",
  });
  assert.equal(escalated.state, "escalated");
  const resolved = await api<{ state: string }>(port, "POST", "/api/incidents/INC-1/resolve", { reason: "rollback done" });
  assert.equal(resolved.state, "resolved");

  const settleStarted = Date.now();
  const pending = await settle(port);
  const dead = await deadLetters(port);
  t.diagnostic(`outbox drained ${Date.now() - settleStarted} ms after the resolve`);
  if (dead.length > 0) t.diagnostic(`dead letters: ${describeRows(dead)}`);
  assert.deepEqual(pending, [], failure(`deliveries still pending: ${describeRows(pending)}`, current));
  assert.deepEqual(dead, [], failure(`dead letters: ${describeRows(dead)}`, current));
  assert.deepEqual(fake.unrouted, [], "every request went to a known platform prefix");

  // --- Sluice's side: resolved, a ticket per platform, every step on the timeline. ---
  const incident = await api<IncidentView>(port, "GET", "/api/incidents/INC-1");
  assert.equal(incident.state, "resolved");
  assert.equal(incident.escalationLevel, 1);
  const tickets = new Map(incident.tickets.map((ticket) => [ticket.platform, ticket]));
  assert.deepEqual([...tickets.keys()].sort(), [...PLATFORMS].sort(), "one recorded ticket per platform");
  assert.equal(incident.tickets.length, PLATFORMS.length, "no platform has two recorded tickets");
  const steps = incident.timeline.map((event) => event.action);
  for (const step of ["opened", "note", "acknowledged", "escalated", "resolved"]) {
    assert.ok(steps.includes(step), `the timeline shows "${step}": ${steps.join(", ")}`);
  }
  const externalId = (platform: string) => tickets.get(platform)?.externalId;
  // One idempotency key per (incident, platform), as the outbox writes it.
  const keyOf = (platform: string) => `sluice-${incident.id}-${platform}`;

  // --- Each platform: exactly one ticket, in its final state, the one Sluice recorded. ---
  const { pagerduty, jira, servicenow, zammad, opsgenie, jsm, slack, teams, webhook } = fake;
  await t.test("PagerDuty: one incident for the dedup_key, resolved, with the note", () => {
    assert.equal(pagerduty.incidents.length, 1, pagerduty.describe());
    const only = pagerduty.incidents[0];
    assert.equal(only?.dedupKey, externalId("pagerduty"));
    assert.equal(only?.dedupKey, keyOf("pagerduty"), "the dedup_key is the delivery's idempotency key");
    assert.equal(only?.status, "resolved");
    assert.equal(only?.escalationLevel, 2, "the escalate moved it to the next level of its escalation policy");
    assert.ok(
      only?.notes.some((note) => note.includes("Rolling back payments-api 2.14.1")),
      "the note became a PagerDuty note",
    );
  });
  await t.test("Jira: one issue, Done, priority raised, with the note", () => {
    assert.equal(jira.issues.size, 1, jira.describe());
    const issue = [...jira.issues.values()][0];
    assert.equal(issue?.key, externalId("jira"));
    assert.equal(issue?.category, "done");
    assert.deepEqual(issue?.fields.priority, { name: "Highest" });
    assert.ok(JSON.stringify(issue?.comments).includes("Rolling back payments-api 2.14.1"));
  });
  await t.test("ServiceNow: one incident for the correlation_id, Resolved (6) with close code and notes", () => {
    assert.equal(servicenow.incidents.length, 1, servicenow.describe());
    const record = servicenow.incidents[0];
    assert.equal(record?.sys_id, externalId("servicenow"));
    assert.equal(record?.correlation_id, keyOf("servicenow"));
    assert.equal(record?.state, "6");
    assert.ok(record?.close_code && record.close_notes, "close_code and close_notes are set");
    assert.ok(record?.work_notes.some((note) => note.includes("Rolling back payments-api 2.14.1")));
  });
  await t.test("Zammad: one ticket with the tag, closed", () => {
    assert.equal(zammad.tickets.length, 1, zammad.describe());
    const ticket = zammad.tickets[0];
    assert.equal(String(ticket?.id), externalId("zammad"));
    assert.ok(ticket?.tags.includes(keyOf("zammad")), `tags ${ticket?.tags.join(",")}`);
    assert.equal(ticket?.state, "closed");
    assert.ok(ticket?.articles.some((article) => article.body.includes("Rolling back payments-api 2.14.1")));
  });
  for (const alerts of [opsgenie, jsm]) {
    await t.test(`${alerts.name}: one alert for the alias, acknowledged then closed`, () => {
      assert.equal(alerts.alerts.length, 1, alerts.describe());
      const alert = alerts.alerts[0];
      assert.equal(alert?.id, externalId(alerts.name));
      assert.equal(alert?.alias, keyOf(alerts.name));
      assert.equal(alert?.status, "closed");
      assert.equal(alert?.acknowledged, true);
      assert.ok(alert?.notes.some((note) => note.includes("Rolling back payments-api 2.14.1")));
    });
  }
  await t.test("Slack: one root message, edited to Resolved, the changes threaded under it", () => {
    const roots = slack.roots();
    assert.equal(roots.length, 1, slack.describe());
    const root = roots[0];
    assert.ok(root);
    assert.equal(`${root.channel}:${root.ts}`, externalId("slack"));
    assert.match(root.text, /\(Resolved\)/);
    const replies = slack.replies(root).map((reply) => reply.text);
    assert.equal(replies.length, slack.messages.length - 1, "every other message is a reply in its thread");
    for (const word of ["Rolling back payments-api 2.14.1", "cknowledged", "scalated", "esolved"]) {
      assert.ok(
        replies.some((text) => text.includes(word)),
        `a thread reply mentions "${word}": ${replies.join(" | ")}`,
      );
    }
  });
  await t.test("Teams: all cards about INC-1, exactly one 'New incident' card, the last one Resolved", () => {
    assert.deepEqual([...new Set(teams.cards.map((card) => card.incidentKey))], ["INC-1"], teams.describe());
    assert.equal(teams.cards.filter((card) => card.headline === "New incident").length, 1, teams.describe());
    assert.equal(teams.cards.at(-1)?.headline, "Resolved");
    assert.equal(externalId("teams"), keyOf("teams"));
  });
  await t.test("webhook: one Idempotency-Key (one ticket), every post signed, the last event resolve", () => {
    assert.equal(webhook.tickets.size, 1, webhook.describe());
    assert.deepEqual(
      webhook.posts.filter((post) => post.problem !== null),
      [],
    );
    const [key, ticket] = [...webhook.tickets][0] ?? [];
    assert.equal(key, keyOf("webhook"));
    assert.equal(ticket?.id, externalId("webhook"));
    assert.equal(ticket?.state, "resolved");
    assert.equal(ticket?.events.at(-1), "resolve");
    for (const event of ["create", "comment", "acknowledge", "escalate"]) assert.ok(ticket?.events.includes(event), event);
  });

  // Reported, not asserted: what the crash made the platforms see twice where they have no idempotency.
  const counts = [
    `pagerduty ${pagerduty.events.length} events (${pagerduty.incidents[0]?.alerts ?? 0} triggers folded), ${pagerduty.incidents[0]?.notes.length ?? 0} notes`,
    `jira ${[...jira.issues.values()][0]?.comments.length ?? 0} comments`,
    `servicenow ${servicenow.creates} creates, ${servicenow.incidents[0]?.work_notes.length ?? 0} work notes`,
    `zammad ${zammad.creates} creates, ${zammad.tickets[0]?.articles.length ?? 0} articles`,
    `opsgenie count ${opsgenie.alerts[0]?.count ?? 0}, ${opsgenie.alerts[0]?.notes.length ?? 0} notes`,
    `jsm count ${jsm.alerts[0]?.count ?? 0}, ${jsm.alerts[0]?.notes.length ?? 0} notes`,
    `slack ${slack.messages.length - 1} thread replies`,
    `teams ${teams.cards.length} cards (${teams.cards.map((card) => card.headline).join(", ")})`,
    `webhook ${webhook.posts.length} posts under ${webhook.tickets.size} key(s) (${webhook.posts.map((post) => post.event).join(", ")})`,
  ];
  t.diagnostic(`per platform: ${counts.join("; ")}`);
  t.diagnostic(`${fake.log.length} platform requests in all`);

  const stop = await current.kill("SIGTERM");
  assert.equal(stop.code, 0, `sluice exits 0 on SIGTERM:\n${current.log}`);
  t.diagnostic(`total ${Date.now() - started} ms`);
});
