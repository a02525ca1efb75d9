// The crash-and-outage soak (not CI): N SIGKILL cycles of `sluice serve` while a stream of anomaly events
// flows and every platform holds each request for a second before it answers (the change is applied on
// arrival, the answer is in transit when the kill comes). Reports lost signals, split or merged incidents,
// and duplicate creates per platform: a generic-webhook receiver that follows the de-duplication recipe of
// docs/connectors.md, and the fake platforms of the test suite (test/support/fake-platforms.ts) with the
// idempotency each real platform has, and none where it has none (Slack posts, Teams cards).
//
//   node --import tsx bench/crash-soak.ts [--cycles 20] [--hold-ms 1000] [--events 4000] [--problems 40]
//
// SLUICE_SOAK_ROOT=<another checkout> runs that checkout's `sluice serve` instead (a before/after comparison).
//
// Sluice runs pinned to one CPU, this process (senders, receivers) to the other, when taskset is present.
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { signatureProblem } from "../src/connectors/webhook/signature.ts";
import { seededRandom } from "../src/core/seeded-random.ts";
import { type FakePlatforms, startFakePlatforms } from "../test/support/fake-platforms.ts";
import { canPin, freePort, LOAD_CPU, pinSelf, SERVER_CPU, spawnPinned, stopProcess, waitForHttp } from "./processes.ts";
import { REPO_ROOT } from "./sluice-server.ts";
import { sleep } from "./stats.ts";

const { values: args } = parseArgs({
  options: {
    cycles: { type: "string", default: "20" },
    "hold-ms": { type: "string", default: "1000" },
    events: { type: "string", default: "4000" },
    problems: { type: "string", default: "40" },
    seed: { type: "string", default: "1212" },
  },
});
const CYCLES = Number(args.cycles);
const HOLD_MS = Number(args["hold-ms"]);
const EVENTS = Number(args.events);
const PROBLEMS = Number(args.problems);
const SEED = Number(args.seed);
const SECRET = "crash-soak-webhook-secret-0123456789";
const PLATFORMS = ["webhook", "pagerduty", "opsgenie", "jira", "servicenow", "zammad", "slack", "teams"] as const;
const SENDERS = 4;

interface SoakEvent {
  event_id: string;
  "@timestamp": string;
  anomaly_score: number;
  severity: string;
  service: string;
  error_message: string;
}

/** Problem k first appears k/PROBLEMS of the way through, so incidents open (creates go out) in every cycle. */
function buildStream(): { events: SoakEvent[]; problemOf: Map<string, number> } {
  const random = seededRandom(SEED);
  const events: SoakEvent[] = [];
  const problemOf = new Map<string, number>();
  for (let i = 0; i < EVENTS; i++) {
    const introduced = Math.min(PROBLEMS, 1 + Math.floor((i / EVENTS) * PROBLEMS));
    const newest = i === Math.ceil(((introduced - 1) / PROBLEMS) * EVENTS);
    const problem = newest ? introduced - 1 : Math.floor(random() * introduced);
    const id = `soak-${SEED}-${i}`;
    problemOf.set(id, problem);
    events.push({
      event_id: id,
      "@timestamp": new Date().toISOString(),
      anomaly_score: 0.97,
      severity: "critical",
      // A service per problem: the message's numbers are masked by the miner, so they cannot tell problems apart.
      service: `soak-${problem}`,
      error_message: `upstream ${["timeout", "refused", "reset", "overloaded"][problem % 4]} after ${Math.floor(random() * 900)}ms`,
    });
  }
  return { events, problemOf };
}

/** The generic-webhook receiver, following the recipe in docs/connectors.md, holding each answer. */
function startRecipeReceiver() {
  const applied = new Set<string>();
  const ticketByKey = new Map<string, string>();
  /** Every create that passed the recipe's de-duplication, per idempotency key. */
  const appliedCreates = new Map<string, number>();
  /** What the old recipe (idempotencyKey, event, lastSeenAt) would have let through as creates, per key. */
  const oldRecipe = new Set<string>();
  const oldRecipeCreates = new Map<string, number>();
  const bodyOf = new Map<string, string>();
  const stats = { posts: 0, createPosts: 0, redelivered: 0, changedBytes: 0, badSignatures: 0, holding: 0, holdingCreates: 0 };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const header = (name: string) => String(req.headers[name] ?? "");
      stats.posts++;
      // 1. the signature
      if (
        signatureProblem(
          SECRET,
          { signature: header("x-sluice-signature"), timestamp: header("x-sluice-timestamp") },
          body,
          Math.floor(Date.now() / 1000),
        )
      ) {
        stats.badSignatures++;
        res.writeHead(401).end();
        return;
      }
      const payload = JSON.parse(body) as {
        event: string;
        idempotencyKey: string;
        deliveryId: string;
        incident: { lastSeenAt: string };
      };
      const { event, idempotencyKey: key, deliveryId } = payload;
      if (event === "create") stats.createPosts++;
      const seen = deliveryId ? bodyOf.get(deliveryId) : undefined;
      if (seen !== undefined && seen !== body) stats.changedBytes++;
      if (deliveryId) bodyOf.set(deliveryId, body);
      const old = `${key}\u0000${event}\u0000${payload.incident.lastSeenAt}`;
      if (!oldRecipe.has(old)) {
        oldRecipe.add(old);
        if (event === "create") oldRecipeCreates.set(key, (oldRecipeCreates.get(key) ?? 0) + 1);
      }
      // 2. a delivery id applied before is answered, not applied again
      // (A Sluice from before the delivery id has none to de-duplicate on: every post is applied.)
      if (deliveryId && applied.has(deliveryId)) {
        stats.redelivered++;
      } else {
        if (deliveryId) applied.add(deliveryId);
        // 3./4. one ticket per idempotency key; apply
        if (event === "create") {
          appliedCreates.set(key, (appliedCreates.get(key) ?? 0) + 1);
          if (!ticketByKey.has(key)) ticketByKey.set(key, `WH-${ticketByKey.size + 1}`);
        }
      }
      stats.holding++;
      if (event === "create") stats.holdingCreates++;
      setTimeout(() => {
        stats.holding--;
        if (event === "create") stats.holdingCreates--;
        if (res.destroyed) return;
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ id: ticketByKey.get(key) ?? "WH-0" }));
      }, HOLD_MS);
    });
  });
  return { server, stats, appliedCreates, oldRecipeCreates, ticketByKey };
}

async function post(port: number, body: string): Promise<number> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/api/v1/signals`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

async function json<T>(port: number, path: string): Promise<T> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(10_000) });
  return (await response.json()) as T;
}

function config(fake: FakePlatforms, webhookUrl: string, port: number, dataDir: string): Record<string, unknown> {
  const base = fake.url;
  return {
    server: { port },
    storage: { dataDir, synchronous: "full" },
    log: { level: "error" },
    anomaly: { quietPeriod: "2h", lookbackWindow: "1h" },
    routing: { critical: [...PLATFORMS] },
    delivery: { initialBackoff: "100ms", maxBackoff: "1s", timeout: "5s", concurrency: 32, maxAttempts: 1000 },
    webhook: { enabled: true, url: webhookUrl, secret: SECRET },
    slack: { enabled: true, botToken: "xoxb-fake-token", channel: "#incidents", apiBaseUrl: `${base}/slack/api` },
    pagerduty: {
      enabled: true,
      routingKey: "R0UT1NGKEY0123456789abcdefABCDEF",
      eventsBaseUrl: `${base}/pagerduty/events/v2`,
      apiBaseUrl: `${base}/pagerduty/api`,
    },
    jira: { enabled: true, baseUrl: `${base}/jira`, email: "sluice@example.com", apiToken: "jira-fake-token", projectKey: "OPS" },
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
  };
}

/** Tickets (or root messages, or "New incident" cards) each platform holds, per Sluice incident key where it can tell. */
function ticketsOn(
  fake: FakePlatforms,
  recipe: ReturnType<typeof startRecipeReceiver>,
): Record<(typeof PLATFORMS)[number], number> {
  return {
    webhook: [...recipe.appliedCreates.values()].reduce((n, c) => n + c, 0),
    pagerduty: fake.pagerduty.incidents.length,
    opsgenie: fake.opsgenie.alerts.length,
    jira: fake.jira.issues.size,
    servicenow: fake.servicenow.incidents.length,
    zammad: fake.zammad.tickets.length,
    slack: fake.slack.roots().length,
    teams: fake.teams.cards.filter((card) => card.headline === "New incident").length,
  };
}

async function main(): Promise<void> {
  pinSelf(LOAD_CPU);
  const dir = mkdtempSync(join(tmpdir(), "sluice-soak-"));
  const fake = await startFakePlatforms({ dir, webhookSecret: SECRET });
  fake.latencyMs = HOLD_MS;
  const recipe = startRecipeReceiver();
  recipe.server.listen(0, "127.0.0.1");
  await once(recipe.server, "listening");
  const webhookUrl = `http://127.0.0.1:${(recipe.server.address() as AddressInfo).port}/hook`;
  const port = await freePort();
  const configFile = join(dir, "sluice.json");
  writeFileSync(configFile, JSON.stringify(config(fake, webhookUrl, port, join(dir, "data"))));
  const env = { ...process.env, NODE_EXTRA_CA_CERTS: fake.caFile, SLUICE_CONFIG: "", DATABASE_URL: "" };
  const started = Date.now();
  const launch = async () => {
    const { child, stderr } = spawnPinned(SERVER_CPU, process.execPath, ["bin/sluice.js", "serve", "--config", configFile], {
      cwd: process.env.SLUICE_SOAK_ROOT || REPO_ROOT,
      env,
    });
    await waitForHttp(`http://127.0.0.1:${port}/readyz`, child, 60_000, stderr);
    return child;
  };

  const { events, problemOf } = buildStream();
  const queue = events.map((e) => [e]);
  const acked = new Set<string>();
  let failedRequests = 0;
  let killsWithCreateHeld = 0;
  let child = await launch();
  process.stderr.write(
    `soak: ${EVENTS} events, ${PROBLEMS} problems, ${CYCLES} SIGKILL cycles, ${HOLD_MS} ms hold; pinned: ${canPin()}\n`,
  );

  const perCycle = Math.ceil(EVENTS / (CYCLES + 1));
  for (let cycle = 0; cycle <= CYCLES; cycle++) {
    // This cycle's slice of the stream, in requests of 1..40 events from SENDERS senders.
    const slice = queue.splice(0, perCycle).flat();
    const units: SoakEvent[][] = [];
    const sizes = seededRandom(SEED + cycle);
    for (let i = 0; i < slice.length; ) {
      const size = 1 + Math.floor(sizes() * 40);
      units.push(slice.slice(i, i + size));
      i += size;
    }
    const sender = async () => {
      while (units.length > 0) {
        const unit = units.shift() as SoakEvent[];
        const status = await post(port, JSON.stringify(unit));
        if (status === 202) {
          for (const e of unit) acked.add(e.event_id);
          continue;
        }
        failedRequests++;
        units.unshift(unit);
        await sleep(50);
      }
    };
    const sending = Promise.all(Array.from({ length: SENDERS }, sender));
    if (cycle === CYCLES) {
      await sending;
      break;
    }
    // The kill comes while the webhook receiver holds a create (or after 5 s without one).
    const until = Date.now() + 5000;
    while (recipe.stats.holdingCreates === 0 && Date.now() < until) await sleep(5);
    if (recipe.stats.holdingCreates > 0) killsWithCreateHeld++;
    await sleep(Math.floor(seededRandom(SEED * 7 + cycle)() * 400));
    child.kill("SIGKILL");
    await once(child, "exit");
    child = await launch();
    await sending;
    process.stderr.write(`soak: cycle ${cycle + 1}/${CYCLES}: ${acked.size} events acknowledged\n`);
  }

  // Drain: every delivery done (the restart released the killed process's leases).
  const drainStart = Date.now();
  let pending = -1;
  while (Date.now() - drainStart < 300_000) {
    pending = (await json<{ items: unknown[] }>(port, "/api/deliveries?status=pending&limit=500")).items.length;
    if (pending === 0 && recipe.stats.holding === 0) break;
    await sleep(500);
  }
  const dead = (await json<{ items: { platform: string; lastError: string }[] }>(port, "/api/deliveries?status=dead&limit=500"))
    .items;

  // Lost signals: every acknowledged event, sent again, must be a duplicate (it was stored).
  let lost = 0;
  const all = events.filter((e) => acked.has(e.event_id));
  for (let i = 0; i < all.length; i += 500) {
    const response = await fetch(`http://127.0.0.1:${port}/api/v1/signals`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(all.slice(i, i + 500)),
    });
    const results = ((await response.json()) as { results: { outcome: string }[] }).results;
    lost += results.filter((r) => r.outcome !== "duplicate").length;
  }
  // Split or merged: one incident per problem, holding exactly that problem's events.
  const incidents = (
    await json<{ items: { key: string; service: string; title: string; signalCount: number }[] }>(
      port,
      "/api/incidents?limit=500",
    )
  ).items;
  const perProblem = new Map<number, number>();
  for (const [id, problem] of problemOf) if (acked.has(id)) perProblem.set(problem, (perProblem.get(problem) ?? 0) + 1);
  const expectedCounts = [...perProblem.values()].sort((a, b) => a - b);
  const actualCounts = incidents.map((i) => i.signalCount).sort((a, b) => a - b);
  const exact = JSON.stringify(expectedCounts) === JSON.stringify(actualCounts);
  await stopProcess(child);

  const tickets = ticketsOn(fake, recipe);
  const keys = new Set(recipe.appliedCreates.keys());
  const lines = [
    `crash soak: ${CYCLES} SIGKILL cycles (${killsWithCreateHeld} while a webhook create was held), ${HOLD_MS} ms hold on every platform, ` +
      `${EVENTS} events over ${PROBLEMS} problems, ${Math.round((Date.now() - started) / 1000)} s, pinned: ${canPin()}`,
    `events acknowledged ${acked.size}/${EVENTS}; requests re-sent after a failure ${failedRequests}; lost ${lost}`,
    `incidents ${incidents.length} for ${perProblem.size} problems; signal counts ${exact ? "exact" : `DIFFER: ${JSON.stringify(actualCounts)} vs ${JSON.stringify(expectedCounts)}`}`,
    `outbox after drain: ${pending} pending, ${dead.length} dead${dead.length ? ` (${dead.map((d) => `${d.platform}: ${d.lastError}`).join("; ")})` : ""}`,
    `webhook (recipe): ${recipe.stats.posts} posts, ${recipe.stats.createPosts} create posts, ${recipe.stats.redelivered} redeliveries recognised by deliveryId, ` +
      `${recipe.stats.changedBytes} redeliveries with different bytes, ${recipe.stats.badSignatures} bad signatures; ` +
      `creates applied ${tickets.webhook} for ${keys.size} incidents: ${tickets.webhook - keys.size} duplicate; ` +
      `the old recipe would have applied ${[...recipe.oldRecipeCreates.values()].reduce((n, c) => n + c, 0) - recipe.oldRecipeCreates.size} duplicate creates`,
    "",
    "| platform | tickets (or root messages, create cards) | incidents | duplicate creates |",
    "| --- | --- | --- | --- |",
    ...PLATFORMS.map((p) => `| ${p} | ${tickets[p]} | ${incidents.length} | ${tickets[p] - incidents.length} |`),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  recipe.server.close();
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
}

await main();
