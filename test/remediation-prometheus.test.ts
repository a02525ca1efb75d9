/**
 * Self-healing against a real target and a real Prometheus. A small HTTP service started here runs four
 * instances (shop, shop-eu, shop-st, shop-ca); each exposes its connection pool as Prometheus metrics and,
 * when it develops a fault, exhausts its pool and logs "connection pool exhausted" errors that it ships to
 * Sluice as signals. Prometheus scrapes it every second. Sluice (in this process, SQLite in memory, started)
 * has one playbook, reset-pool: an `http` action on the instance's admin endpoint (the fix), verified by
 * `demo_pool_free > 0` through Prometheus, with an `http` rollback.
 *
 * 1. shop (production, auto): the fix cures it; verification holds; the incident resolves as healed: 1 of 1.
 * 2. shop-eu (production, auto): a fault the fix does not cure; the rollback runs and the incident escalates: 1 of 2.
 * 3. shop-st (staging, suggest): nothing runs until a responder approves through the API; then it heals.
 * 4. shop-ca (canary, dry-run): nothing runs; the would-be action is recorded.
 *
 * Needs: Prometheus. scripts/prometheus.sh provides it (SLUICE_TEST_PROMETHEUS when set, else Debian's
 * `prometheus` package, installed when missing); it runs as a child process on a loopback port.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import pino from "pino";
import { parseConfig } from "../src/config/loader.ts";
import type { MemoryConnector } from "../src/connectors/memory/memory-connector.ts";
import type { RemediationRun } from "../src/core/remediation.ts";
import { createSluice, type Sluice } from "../src/main.ts";
import type { ChildPeer } from "./support/child-peer.ts";
import { eventually } from "./support/eventually.ts";
import { missingPeer } from "./support/missing-peer.ts";
import { startPrometheus } from "./support/prometheus.ts";
import { provision } from "./support/provision.ts";

const ADMIN_TOKEN = "shop-admin-7f3e9c";
const POOL_SIZE = 20;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Instance {
  environment: string;
  inUse: number;
  /** "leak": a reset frees the pool; "stuck": connections are held downstream, a reset frees nothing. */
  fault: "leak" | "stuck" | null;
  errors: number;
  resets: { idempotencyKey: string; authorization: string; body: string }[];
  rollbacks: string[];
}

const instances: Record<string, Instance> = Object.fromEntries(
  [
    ["shop", "production"],
    ["shop-eu", "production"],
    ["shop-st", "staging"],
    ["shop-ca", "canary"],
  ].map(([name, environment]) => [
    name,
    { environment, inUse: 3, fault: null, errors: 0, resets: [], rollbacks: [] } as Instance,
  ]),
);

function exposition(): string {
  const lines = ["# TYPE demo_pool_free gauge"];
  for (const [name, i] of Object.entries(instances)) lines.push(`demo_pool_free{service="${name}"} ${POOL_SIZE - i.inUse}`);
  lines.push("# TYPE demo_pool_exhausted_errors_total counter");
  for (const [name, i] of Object.entries(instances))
    lines.push(`demo_pool_exhausted_errors_total{service="${name}"} ${i.errors}`);
  return `${lines.join("\n")}\n`;
}

async function bodyOf(request: IncomingMessage): Promise<string> {
  let body = "";
  for await (const chunk of request) body += chunk;
  return body;
}

/** The service: /metrics, and per instance POST /admin/<name>/reset-pool (the fix) and /admin/<name>/rollback. */
function startService(): Server {
  return createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://x");
    if (url.pathname === "/metrics") {
      response.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
      response.end(exposition());
      return;
    }
    const admin = /^\/admin\/([a-z-]+)\/(reset-pool|rollback)$/.exec(url.pathname);
    const instance = admin ? instances[admin[1] as string] : undefined;
    if (!admin || !instance || request.method !== "POST") {
      response.writeHead(404).end();
      return;
    }
    const body = await bodyOf(request);
    if (request.headers.authorization !== `Bearer ${ADMIN_TOKEN}`) {
      response.writeHead(401).end();
      return;
    }
    if (admin[2] === "reset-pool") {
      instance.resets.push({
        idempotencyKey: String(request.headers["idempotency-key"]),
        authorization: String(request.headers.authorization),
        body,
      });
      if (instance.fault === "leak") {
        instance.fault = null;
        instance.inUse = 3;
      }
    } else {
      instance.rollbacks.push(String(request.headers["idempotency-key"]));
    }
    response.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
  });
}

const found = provision("prometheus.sh", 2);
if ("problem" in found) {
  missingPeer("self-healing on a real Prometheus", found.problem, "install prometheus, or set SLUICE_TEST_PROMETHEUS");
} else {
  const [prometheusBinary] = found.output as [string, string];
  describe("self-healing on a real Prometheus", () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-remediate-"));
    let sluice: Sluice;
    let base = "";
    let service: Server;
    let servicePort = 0;
    let prometheus: ChildPeer;
    let faults: NodeJS.Timeout;
    let sequence = 0;

    /** While faulted, each instance exhausts its pool and ships a known error to Sluice every 500 ms. */
    const shipErrors = () =>
      setInterval(() => {
        for (const [name, instance] of Object.entries(instances)) {
          if (!instance.fault) continue;
          instance.inUse = POOL_SIZE;
          instance.errors++;
          sequence++;
          void fetch(`${base}/api/v1/signals`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({
              event_id: `${name}-${sequence}`,
              "@timestamp": new Date().toISOString(),
              anomaly_type: "error_log",
              anomaly_score: 0.97,
              severity: "high",
              service: name,
              tenant_id: "acme",
              environment: instance.environment,
              error_message: `connection pool exhausted: no connection available after ${30_000 + (sequence % 7)} ms (pool main)`,
            }),
          }).catch(() => undefined);
        }
      }, 500);

    const api = async <T>(path: string, init?: RequestInit): Promise<T> => {
      const response = await fetch(`${base}${path}`, init);
      const body = (await response.json()) as T;
      if (!response.ok) throw new Error(`${path} answered ${response.status}: ${JSON.stringify(body)}`);
      return body;
    };
    const runsOf = async (svc: string) => (await api<{ items: RemediationRun[] }>(`/api/remediations?service=${svc}`)).items;
    const waitFor = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000) =>
      eventually(what, probe, { timeoutMs, intervalMs: 500, explain: () => `prometheus: ${prometheus.log}` });
    const stats = async () =>
      (
        await api<{ playbooks: { playbook: string; succeeded: number; verified: number; failed: number; rolledBack: number }[] }>(
          "/api/remediations/stats",
        )
      ).playbooks[0];

    before(async () => {
      service = startService();
      service.listen(0, "127.0.0.1");
      await once(service, "listening");
      servicePort = (service.address() as AddressInfo).port;
      let promUrl: string;
      ({ url: promUrl, peer: prometheus } = await startPrometheus(prometheusBinary, dir, { jobs: { shop: servicePort } }));
      const shop = `http://127.0.0.1:${servicePort}`;
      const document = {
        slack: { enabled: true, webhookUrl: "https://hooks.slack.invalid/services/T/B/X" },
        routing: { high: ["slack"] },
        investigation: { enabled: false },
        remediation: {
          prometheus: { url: promUrl },
          secrets: { shopAdmin: ADMIN_TOKEN },
          pollInterval: "500ms",
          playbooks: [
            {
              name: "reset-pool",
              match: { service: "shop*", pattern: "*connection pool exhausted*" },
              preconditions: { minSignals: 2 },
              action: {
                kind: "http",
                url: `${shop}/admin/{{service}}/reset-pool`,
                body: { pool: "main", incident: "{{key}}" },
                auth: { bearer: "shopAdmin" },
                timeout: "5s",
              },
              rollback: { kind: "http", url: `${shop}/admin/{{service}}/rollback`, auth: { bearer: "shopAdmin" } },
              verify: { query: 'demo_pool_free{service="{{service}}"} > 0', for: "5s", within: "20s" },
              mode: { production: "auto", staging: "suggest", canary: "dry-run" },
              cooldown: "0s",
              maxRuns: 10,
              maxTargets: 10,
            },
          ],
        },
      };
      const { config } = parseConfig(document, {}, process.cwd(), "test");
      sluice = await createSluice(config, {
        dryRun: true,
        dataDir: ":memory:",
        processMetrics: false,
        recordTicketText: true,
        logger: pino({ level: "silent" }),
      });
      sluice.start();
      await sluice.server.listen({ host: "127.0.0.1", port: 0 });
      base = `http://127.0.0.1:${(sluice.server.server.address() as AddressInfo).port}`;
      faults = shipErrors();
    });

    after(async () => {
      clearInterval(faults);
      await sluice?.close();
      await prometheus?.stop();
      service?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it("heals a pool exhaustion: the fix runs once, Prometheus verifies it, the incident resolves as healed (1 of 1)", async () => {
      const shop = instances.shop as Instance;
      shop.fault = "leak";
      const [run] = await waitFor("the run of shop verified", async () => {
        const runs = await runsOf("shop");
        return runs[0]?.state === "verified" ? runs : undefined;
      });
      assert.ok(run);
      assert.equal(shop.resets.length, 1, "the fix ran once");
      assert.equal(shop.resets[0]?.idempotencyKey, run.idempotencyKey);
      assert.deepEqual(JSON.parse(shop.resets[0]?.body ?? "{}"), {
        pool: "main",
        incident: (await incident(run.incidentId)).key,
      });
      assert.equal(run.success, true);
      assert.ok((run.finishedAt ?? 0) - (run.holdingSince ?? 0) >= 5000, "held for 5s");
      const healed = await incident(run.incidentId);
      assert.equal(healed.state, "resolved");
      assert.ok(healed.timeline.some((e) => e.actor === "sluice:remediate" && e.action === "resolved"));
      assert.deepEqual(pick(await stats()), { verified: 1, failed: 0, rolledBack: 0, succeeded: 1 });
      const slack = sluice.connectors.get("slack") as MemoryConnector;
      const texts = slack.received.filter((d) => d.incidentKey === healed.key).map((d) => d.detail);
      assert.ok(
        texts.some((t) => t.includes("this playbook has healed 1 of 1 incident like this one")),
        texts.join("\n"),
      );
      assert.ok(!JSON.stringify(slack.received).includes(ADMIN_TOKEN), "the secret never reaches a ticket");
      const metrics = await (await fetch(`${base}/metrics`)).text();
      assert.match(metrics, /sluice_remediation_runs_total\{playbook="reset-pool",outcome="verified"\} 1/);
      assert.match(metrics, /sluice_remediation_success_ratio\{playbook="reset-pool"\} 1/);
    });

    it("a fault the fix does not cure: the rollback runs, the incident escalates and says why (1 of 2)", async () => {
      const eu = instances["shop-eu"] as Instance;
      eu.fault = "stuck";
      const [run] = await waitFor("the run of shop-eu rolled back", async () => {
        const runs = await runsOf("shop-eu");
        return runs[0]?.state === "rolled-back" ? runs : undefined;
      });
      assert.ok(run);
      eu.fault = null;
      assert.equal(eu.resets.length, 1);
      assert.deepEqual(eu.rollbacks, [`${run.idempotencyKey}:rollback`]);
      assert.equal(run.failure, "verification");
      const escalated = await incident(run.incidentId);
      assert.equal(escalated.state, "escalated");
      const why = escalated.timeline.find((e) => e.actor === "sluice:remediate" && e.action === "escalated");
      assert.match(
        why?.detail ?? "",
        /playbook reset-pool failed \(verification did not hold within 20s.*rolled back: POST .*\/admin\/shop-eu\/rollback answered HTTP 200/,
      );
      assert.deepEqual(pick(await stats()), { verified: 1, failed: 1, rolledBack: 1, succeeded: 1 });
      const slack = sluice.connectors.get("slack") as MemoryConnector;
      assert.ok(
        slack.received.some(
          (d) => d.incidentKey === escalated.key && d.action === "escalate" && d.detail.includes("healed 1 of 2"),
        ),
        "the ticket hears why, with the score",
      );
    });

    it("suggest: nothing runs until a responder approves through the API", async () => {
      const st = instances["shop-st"] as Instance;
      st.fault = "leak";
      const [waiting] = await waitFor("a run awaiting approval", async () => {
        const runs = await runsOf("shop-st");
        return runs[0]?.state === "awaiting-approval" ? runs : undefined;
      });
      assert.ok(waiting);
      await sleep(3000);
      assert.equal(st.resets.length, 0, "nothing ran before the approval");
      assert.equal((await runsOf("shop-st"))[0]?.state, "awaiting-approval");
      const approved = await api<RemediationRun>(`/api/remediations/${waiting.id}/approve`, { method: "POST" });
      assert.equal(approved.approvedBy, "api:anonymous");
      await waitFor("the approved run verified", async () =>
        (await runsOf("shop-st"))[0]?.state === "verified" ? true : undefined,
      );
      assert.equal(st.resets.length, 1);
      const again = await fetch(`${base}/api/remediations/${waiting.id}/approve`, { method: "POST" });
      assert.equal(again.status, 409, "approving twice runs nothing twice");
      assert.equal(st.resets.length, 1);
    });

    it("dry-run: nothing runs and the would-be action is recorded", async () => {
      const ca = instances["shop-ca"] as Instance;
      ca.fault = "leak";
      const [dry] = await waitFor("a dry run recorded", async () => {
        const runs = await runsOf("shop-ca");
        return runs[0]?.state === "dry-run" ? runs : undefined;
      });
      assert.ok(dry);
      await sleep(2000);
      ca.fault = null;
      assert.equal(ca.resets.length, 0);
      const recorded = await incident(dry.incidentId);
      const body = JSON.stringify({ pool: "main", incident: recorded.key });
      assert.equal(
        dry.plan,
        `POST http://127.0.0.1:${servicePort}/admin/shop-ca/reset-pool with a ${body.length}-byte JSON body`,
      );
      assert.ok(
        recorded.timeline.some((e) => e.detail.startsWith("dry run of playbook reset-pool: would run POST")),
        JSON.stringify(recorded.timeline),
      );
    });

    async function incident(id: string) {
      return api<{ key: string; state: string; timeline: { actor: string; action: string; detail: string }[] }>(
        `/api/incidents/${id}`,
      );
    }
  });
}

function pick(stats: { verified: number; failed: number; rolledBack: number; succeeded: number } | undefined) {
  return stats && { verified: stats.verified, failed: stats.failed, rolledBack: stats.rolledBack, succeeded: stats.succeeded };
}
