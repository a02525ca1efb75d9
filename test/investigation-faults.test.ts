/**
 * Investigations against a real Prometheus scraping a real instrumented shop, with faults injected one after
 * another. For each fault the incident opens where an alert would fire (an anomaly signal for the symptom's
 * service), the investigation runs at once, and its report names the right component and cause, cites evidence
 * that is in it, reaches the Jira and Slack tickets, and is ready within 60 s of the incident opening; a false
 * alarm, where nothing departed, abstains.
 *
 * Needs: Prometheus (scripts/prometheus.sh: SLUICE_TEST_PROMETHEUS, else Debian's `prometheus`, installed when
 * missing), and ../shared/specs (Jira's and Slack's API descriptions, served by Prism in --errors mode: every
 * request Sluice sends them is validated, and every Jira comment is checked against the ADF schema).
 * Real processes it starts, all on 127.0.0.1: four services of test/support/otel-app/service.ts with the
 * OpenTelemetry SDK's HTTP instrumentation and Prometheus exporter (frontend → checkout → inventory and
 * payments, whose database pool is instrumented too), Prometheus scraping them every second, and two Prism
 * mocks. Sluice runs in this process (SQLite in memory, the system clock).
 *
 *   fault                      incident opens for   the report must name
 *   bad configuration change   frontend             frontend, citing the config change
 *   slow downstream            checkout             inventory, citing its latency
 *   database pool exhaustion   checkout             payments, citing its connection pool
 *   false alarm                checkout             nobody: it abstains
 *   memory leak, restarts      checkout             inventory, citing its memory or restarts
 *   deploy with a bug          frontend             checkout, citing the deploy
 *
 * The deploy comes last: the analysis weighs a deploy by its age in real minutes (it halves every 30), and
 * in a suite scaled to seconds a deploy minutes old would still count in every later case as a fresh one.
 *
 * Windows are scaled to seconds (scrapes and query steps of 1 s, rate windows of 5 s, a 12 s baseline, a 12 s
 * evidence window, series judged from 10 s before the alert), so each fault takes about 35 s, most of it
 * letting the last one fade out of the next one's baseline.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import pino from "pino";
import { parseConfig } from "../src/config/loader.ts";
import type { HttpClient } from "../src/connectors/connector.ts";
import type { InvestigationReport } from "../src/core/investigation.ts";
import { createSluice, type Sluice } from "../src/main.ts";
import { ADF_SCHEMA, adfProblems } from "../src/testing/jira-adf-validator.ts";
import { type PrismMock, startPrism } from "../src/testing/prism.ts";
import { type RecordingHttp, recordingHttp } from "../src/testing/recording-http.ts";
import { locateSpec } from "../src/testing/specs.ts";
import type { ChildPeer } from "./support/child-peer.ts";
import { eventually } from "./support/eventually.ts";
import { missingPeer } from "./support/missing-peer.ts";
import { SupervisedService } from "./support/otel-app/shop-process.ts";
import { startPrometheus } from "./support/prometheus.ts";
import { provision } from "./support/provision.ts";
import { freePort } from "./support/sluice-process.ts";

const JIRA_SPEC = locateSpec("jira/jira-cloud-platform-v3.prism-patched.json");
const SLACK_SPEC = locateSpec("slack/slack_web_openapi_v2.prism-patched.json");
const JIRA_TOKEN = "ATATT3xFfGF0-faults-SECRET-token";
const SLACK_TOKEN = "xoxb-faults-1234567890-SECRET";
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** How long an alert's condition holds before it fires (its `for`). */
const ALERT_FOR_MS = 3000;

/** An incident as GET /api/incidents lists it (times in ISO 8601). */
interface ListedIncident {
  key: string;
  service: string;
  state: string;
  firstSeenAt: string;
}

// The semantic-convention series as the SDK's Prometheus exporter names them, over 5 s rate windows.
const H = "http_server_request_duration";
const S = 'service_name="$service"';
// Floors are the operator's word on what is noise for this shop on a shared, busy machine: two requests a second
// of its twenty, 100 ms of p95 latency (a 5 s window of 100 requests makes a jumpy p95, and a machine busy with
// other test suites slows every service at once by as much; the faults add 600 ms or fail requests outright).
const QUERIES = [
  { name: "request-rate", query: `sum(rate(${H}_count{${S}}[5s]))`, direction: "both", floor: 2 },
  {
    name: "error-ratio",
    query: `(sum(rate(${H}_count{${S},http_response_status_code=~"5.."}[5s])) or vector(0)) / sum(rate(${H}_count{${S}}[5s]))`,
    direction: "up",
    floor: 0.01,
  },
  {
    name: "latency-p95",
    query: `histogram_quantile(0.95, sum by (le) (rate(${H}_bucket{${S}}[5s])))`,
    direction: "up",
    floor: 0.1,
  },
  // A Node process's resident memory moves by megabytes with every collection: 8 MB is noise, not a leak.
  { name: "memory", query: `max(process_memory_usage{${S}})`, direction: "up", floor: 8e6 },
  { name: "restarts", query: `sum(resets(process_cpu_time_total{${S}}[10s]))`, direction: "up", floor: 0.25 },
  {
    name: "db-pool-usage",
    query: `sum(db_client_connection_count{${S},db_client_connection_state="used"}) / max(db_client_connection_max{${S}})`,
    direction: "up",
    // A snapshot of a pool of 5 normally shows 0 or 1 connection in use: one connection is its noise.
    floor: 0.2,
  },
];

interface Case {
  name: string;
  symptom: string;
  /** Switches the fault on; resolves when the symptom is there to alert on. */
  inject(): Promise<void>;
  heal(): Promise<void>;
  /** The component the top hypothesis must name (null: the report must abstain). */
  culprit: string | null;
  /** What the cited evidence must show about the cause. */
  cause?: (cited: InvestigationReport["evidence"]) => boolean;
  because?: string;
}

const found = provision("prometheus.sh", 2);
const specsMissing = JIRA_SPEC.skip || SLACK_SPEC.skip || ADF_SCHEMA.skip;
if ("problem" in found) {
  missingPeer("investigations of injected faults", found.problem, "install prometheus, or set SLUICE_TEST_PROMETHEUS");
} else if (specsMissing) {
  describe("investigations of injected faults", { skip: specsMissing }, () => {});
} else {
  const [prometheusBinary] = found.output as [string, string];
  describe("investigations of injected faults on a real Prometheus", () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-faults-"));
    let sluice: Sluice;
    let sluicePort = 0;
    let prometheus: ChildPeer;
    let jiraPrism: PrismMock;
    let slackPrism: PrismMock;
    const shop = new Map<string, SupervisedService>();
    const jira = recordingHttp();
    const slack = recordingHttp();
    const adfViolations: string[] = [];
    /** When each Jira or Slack request was sent (ms), by its index in the recorder. */
    const sentAt = { jira: [] as number[], slack: [] as number[] };
    let load: NodeJS.Timeout | null = null;
    let runbooks: Server | null = null;
    let changeCount = 0;

    const service = (name: string) => {
      const found = shop.get(name);
      assert.ok(found, name);
      return found;
    };
    const api = async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> => {
      const response = await fetch(`http://127.0.0.1:${sluicePort}${path}`, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, json: (text ? JSON.parse(text) : null) as T };
    };
    const change = async (serviceName: string, kind: string, summary: string) => {
      const reply = await api("POST", "/api/v1/changes", {
        id: `faults-${++changeCount}`,
        service: serviceName,
        kind,
        summary,
        version: `v1.${changeCount}`,
      });
      assert.ok(reply.status < 300, `change: ${reply.status} ${JSON.stringify(reply.json)}`);
    };
    /** Waits until Prometheus sees `query` above `above` (the alert's condition). */
    const until = (what: string, query: string, above: number) =>
      eventually(
        what,
        async () => {
          const url = `${promUrl}/api/v1/query?query=${encodeURIComponent(query)}`;
          const body = (await (await fetch(url)).json()) as { data: { result: { value: [number, string] }[] } };
          const value = Number(body.data.result[0]?.value[1] ?? Number.NaN);
          return value > above ? value : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 250, explain: () => `prometheus: ${prometheus.log}` },
      ).then(() => sleep(ALERT_FOR_MS));
    let promUrl = "";

    const cases: Case[] = [
      {
        name: "a bad configuration change",
        symptom: "frontend",
        inject: async () => {
          await change("frontend", "config", "frontend: checkout path set to /v2/checkout");
          await service("frontend").fault("bad-config", true);
          await until("frontend errors", errorRatio("frontend"), 0.3);
        },
        heal: () => service("frontend").fault("bad-config", false),
        culprit: "frontend",
        cause: (cited) => cited.some((e) => e.source === "changes" && e.summary.startsWith("config of frontend")),
        because: "cites the configuration change of frontend",
      },
      {
        name: "a slow downstream",
        symptom: "checkout",
        inject: async () => {
          await service("inventory").fault("slow", true);
          await until("checkout latency", latency("checkout"), 0.3);
        },
        heal: () => service("inventory").fault("slow", false),
        culprit: "inventory",
        cause: (cited) => cited.some((e) => e.source === "metrics" && e.summary.startsWith("inventory latency-p95 departed")),
        because: "cites inventory's latency",
      },
      {
        name: "database pool exhaustion",
        symptom: "checkout",
        inject: async () => {
          await service("payments").fault("pool-leak", true);
          await until("checkout errors", errorRatio("checkout"), 0.1);
        },
        heal: () => service("payments").fault("pool-leak", false),
        culprit: "payments",
        cause: (cited) => cited.some((e) => e.source === "metrics" && e.summary.startsWith("payments db-pool-usage departed")),
        because: "cites payments' connection pool",
      },
      {
        name: "a false alarm, where nothing is decisive",
        symptom: "checkout",
        inject: async () => {},
        heal: async () => {},
        culprit: null,
      },
      {
        name: "a memory leak ending in restarts",
        symptom: "checkout",
        inject: async () => {
          await service("inventory").fault("leak", true);
          await until("checkout errors", errorRatio("checkout"), 0.05);
        },
        heal: () => service("inventory").fault("leak", false),
        culprit: "inventory",
        cause: (cited) => cited.some((e) => e.source === "metrics" && /^inventory (memory|restarts) departed/.test(e.summary)),
        because: "cites inventory's memory or restarts",
      },
      {
        name: "a deploy that introduces errors",
        symptom: "frontend",
        inject: async () => {
          await change("checkout", "deploy", "checkout v2.4.0: new cart pricing");
          await service("checkout").fault("deploy-bug", true);
          await until("frontend errors", errorRatio("frontend"), 0.05);
        },
        heal: () => service("checkout").fault("deploy-bug", false),
        culprit: "checkout",
        cause: (cited) => cited.some((e) => e.source === "changes" && e.summary.startsWith("deploy of checkout")),
        because: "cites the deploy of checkout",
      },
    ];

    before(async () => {
      // Prism parses Jira's large description for a while: start both mocks while the shop warms up.
      const mocks = Promise.all([
        startPrism(JIRA_SPEC.path, { startTimeoutMs: 300_000 }),
        startPrism(SLACK_SPEC.path, { dynamic: true, startTimeoutMs: 300_000 }),
      ]);
      const ports = { frontend: 0, checkout: 0, inventory: 0, payments: 0 };
      for (const name of Object.keys(ports) as (keyof typeof ports)[]) ports[name] = await freePort();
      const url = (name: keyof typeof ports) => `http://127.0.0.1:${ports[name]}`;
      const common = { METRICS: "prometheus", OTLP_TRACES_URL: "off" };
      shop.set("payments", new SupervisedService("payments", ports.payments, common));
      shop.set("inventory", new SupervisedService("inventory", ports.inventory, common));
      shop.set(
        "checkout",
        new SupervisedService("checkout", ports.checkout, {
          ...common,
          DOWNSTREAM: url("payments"),
          INVENTORY: url("inventory"),
        }),
      );
      shop.set("frontend", new SupervisedService("frontend", ports.frontend, { ...common, DOWNSTREAM: url("checkout") }));
      await Promise.all([...shop.values()].map((s) => s.start()));

      ({ url: promUrl, peer: prometheus } = await startPrometheus(prometheusBinary, dir, { jobs: ports }));

      // Shoppers: 20 orders a second, open loop (a slow shop does not slow them down).
      load = setInterval(() => {
        fetch(`${url("frontend")}/buy`).then(
          (response) => response.arrayBuffer(),
          () => {},
        );
      }, 50);

      // checkout's runbook, in the convention of docs/investigation.md, served as a wiki would.
      const runbook = checkoutRunbook(url("checkout"));
      runbooks = createServer((_request, response) => response.writeHead(200, { "content-type": "text/markdown" }).end(runbook));
      runbooks.listen(0, "127.0.0.1");
      await once(runbooks, "listening");
      const runbookUrl = `http://127.0.0.1:${(runbooks.address() as AddressInfo).port}/checkout.md`;

      [jiraPrism, slackPrism] = await mocks;
      const catalogFile = join(dir, "services.yaml");
      writeFileSync(
        catalogFile,
        [
          "services:",
          "  - { service: frontend, team: web, dependsOn: [checkout], runbook: https://runbooks.example/frontend }",
          `  - { service: checkout, team: shop, dependsOn: [inventory, payments], runbook: "${runbookUrl}" }`,
          "  - { service: inventory, team: shop, runbook: https://runbooks.example/inventory }",
          "  - { service: payments, team: payments, runbook: https://runbooks.example/payments }",
        ].join("\n"),
      );
      const { config } = parseConfig(
        {
          routing: { critical: ["jira", "slack"], high: ["jira", "slack"], medium: ["jira"], low: ["slack"] },
          catalog: { files: [catalogFile] },
          jira: {
            enabled: true,
            baseUrl: jiraPrism.baseUrl,
            email: "sluice@example.com",
            apiToken: JIRA_TOKEN,
            projectKey: "OPS",
          },
          slack: { enabled: true, botToken: SLACK_TOKEN, channel: "C0INCIDENTS", apiBaseUrl: slackPrism.baseUrl },
          delivery: { initialBackoff: "100ms", maxBackoff: "1s", timeout: "10s" },
          investigation: {
            window: "12s",
            baseline: "12s",
            maxSteps: 40,
            timeout: "45s",
            collectorTimeout: "30s",
            pollInterval: "200ms",
            prometheus: { url: promUrl, step: "1s", lead: "10s", queries: QUERIES },
          },
        },
        {},
        process.cwd(),
        "test",
      );
      const http: HttpClient = async (target, init) => {
        if (target.startsWith(jiraPrism.baseUrl)) return jiraHttp(jira, target, init, adfViolations, sentAt.jira);
        if (target.startsWith(slackPrism.baseUrl)) {
          sentAt.slack.push(Date.now());
          return slack.http(target, init);
        }
        return fetch(target, init);
      };
      sluice = await createSluice(config, {
        http,
        dataDir: ":memory:",
        processMetrics: false,
        logger: pino({ level: "silent" }),
      });
      sluice.start();
      await sluice.server.listen({ host: "127.0.0.1", port: 0 });
      sluicePort = (sluice.server.server.address() as AddressInfo).port;
      // The first baseline: normal traffic for longer than the baseline and window together.
      await sleep(24_000);
    });

    after(async () => {
      if (load) clearInterval(load);
      await sluice?.close();
      await prometheus?.stop();
      await Promise.all([...shop.values()].map((s) => s.stop()));
      runbooks?.close();
      await jiraPrism?.stop();
      await slackPrism?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it("names the right component and cause for each fault, abstains on the false alarm, and the tickets carry every report", async () => {
      const results: string[] = [];
      for (const [n, fault] of cases.entries()) {
        await fault.inject();
        const opened = await api<{ accepted?: number }>("POST", "/api/v1/signals", {
          event_id: `fault-${n}`,
          "@timestamp": new Date().toISOString(),
          anomaly_type: "error_rate",
          anomaly_score: 0.97,
          severity: "high",
          service: fault.symptom,
          tenant_id: "default",
          environment: "production",
          error_message: `alert ${n}: ${fault.symptom} is unhealthy (${fault.name})`,
        });
        assert.ok(opened.status < 300, `signal: ${opened.status}`);
        const incident = await eventually(`the incident of ${fault.name}`, async () => {
          const list = await api<{ items: ListedIncident[] }>("GET", "/api/incidents?limit=50");
          return list.json.items.find((i) => i.state === "open" && i.service === fault.symptom);
        });
        const openedAt = Date.parse(incident.firstSeenAt);
        const report = await eventually(
          `the report of ${fault.name}`,
          async () => {
            const reply = await api<{ report: InvestigationReport }>("GET", `/api/incidents/${incident.key}/investigation`);
            return reply.status === 200 ? reply.json.report : undefined;
          },
          { timeoutMs: 60_000 },
        );
        const top = report.hypotheses[0];
        const ranked = report.hypotheses
          .slice(0, 3)
          .map((h) => `${h.component} ${Math.round(h.confidence * 100)}%`)
          .join(", ");
        const line = `${fault.name}: ${report.outcome} (${ranked}) in ${report.finishedAt - openedAt} ms`;
        results.push(line);
        console.log(`# ${line}`);
        const explain = `${line}\n${JSON.stringify({ hypotheses: report.hypotheses, evidence: report.evidence.map((e) => `${e.id} ${e.summary}`), steps: report.steps.filter((s) => s.status !== "ok") }, null, 1)}`;
        assert.ok(report.finishedAt - openedAt < 60_000, `ready within 60 s: ${explain}`);
        const ids = new Set(report.evidence.map((e) => e.id));
        for (const h of report.hypotheses) {
          assert.ok(
            h.evidence.length > 0 && h.evidence.every((id) => ids.has(id)),
            `${h.component} cites evidence in the report`,
          );
        }
        if (fault.culprit === null) {
          assert.notEqual(report.outcome, "hypothesis", `abstains: ${explain}`);
          assert.equal(report.rootCause, null);
        } else {
          assert.equal(report.outcome, "hypothesis", explain);
          assert.equal(top?.component, fault.culprit, explain);
          const cited = report.evidence.filter((e) => top?.evidence.includes(e.id));
          assert.ok(fault.cause?.(cited), `${fault.because}: ${explain}`);
        }
        if (fault.symptom === "checkout") {
          // checkout's runbook: its first steps quoted, its read-only blocks run, what writes not run, its remedies.
          const quoted = report.evidence.find((e) => e.id === "runbook-1");
          assert.match(
            quoted?.summary ?? "",
            /^Runbook "Checkout: failing orders" of checkout, first steps: 1\. Check checkout's error ratio/,
          );
          assert.deepEqual(
            report.steps.filter((s) => s.collector === "runbook").map((s) => [s.query.split(":")[0], s.status]),
            [
              ["the runbook of checkout", "ok"],
              ["promql", "ok"],
              ["http", "ok"],
              ["sh", "skipped"],
            ],
            explain,
          );
          assert.ok(report.actions.some((a) => a.text === "Runbook: Roll back checkout's last deploy."));
        }
        // Both tickets carry this report: a Jira comment (ADF) and a Slack thread reply, within the spec.
        const marker = `Sluice investigation of ${incident.key} (version 1`;
        const headline =
          top && report.outcome === "hypothesis" ? `Hypothesis: ${top.component} is the likely root cause` : "No hypothesis:";
        const jiraAt = await delivered(jira, sentAt.jira, (e) => /\/comment$/.test(new URL(e.url).pathname), marker, headline);
        const slackAt = await delivered(
          slack,
          sentAt.slack,
          (e) => e.url.endsWith("/chat.postMessage") && new URLSearchParams(e.body).has("thread_ts"),
          marker,
          headline,
        );
        assert.ok(jiraAt - openedAt < 60_000, `the Jira comment within 60 s of opening (${jiraAt - openedAt} ms)`);
        assert.ok(slackAt - openedAt < 60_000, `the Slack reply within 60 s of opening (${slackAt - openedAt} ms)`);

        await fault.heal();
        await api("POST", `/api/incidents/${incident.key}/resolve`, { note: "fault healed" });
        // The next fault's baseline and window must be clear of this one (rate windows of 5 s, restarts over 10 s).
        if (n < cases.length - 1) await sleep(fault.culprit === null ? 4_000 : 26_000);
      }
      console.log(results.join("\n"));
      assert.deepEqual(jira.violations(), [], "Jira requests within Atlassian's description");
      assert.deepEqual(adfViolations, [], "every Jira comment is valid ADF");
      assert.deepEqual(slack.violations(), [], "Slack requests within Slack's description");
      for (const secret of [JIRA_TOKEN, SLACK_TOKEN]) {
        for (const exchange of [...jira.exchanges, ...slack.exchanges]) assert.ok(!exchange.body.includes(secret));
      }
    });
  });
}

function errorRatio(service: string): string {
  return `(sum(rate(${H}_count{service_name="${service}",http_response_status_code=~"5.."}[5s])) or vector(0)) / sum(rate(${H}_count{service_name="${service}"}[5s]))`;
}

function latency(service: string): string {
  return `histogram_quantile(0.95, sum by (le) (rate(${H}_bucket{service_name="${service}"}[5s])))`;
}

/**
 * Jira through Prism: every ADF document is checked against the schema, and a search answers an empty page
 * (Prism's example always finds an issue), so each incident goes on to create its own.
 */
async function jiraHttp(
  recorder: RecordingHttp,
  target: string,
  init: RequestInit,
  adfViolations: string[],
  sentAt: number[],
): Promise<Response> {
  const path = new URL(target).pathname;
  if (typeof init.body === "string") {
    const body = JSON.parse(init.body) as { body?: unknown; fields?: { description?: unknown } };
    for (const document of [body.body, body.fields?.description].filter((d) => d !== undefined)) {
      for (const problem of adfProblems(document)) adfViolations.push(`${init.method} ${path}: ADF ${problem}`);
    }
  }
  sentAt.push(Date.now());
  const real = await recorder.http(target, init);
  if (path === "/rest/api/3/search/jql" && real.status === 200) {
    await real.text();
    return new Response(JSON.stringify({ issues: [], isLast: true }), { status: 200, headers: real.headers });
  }
  return real;
}

/** Waits for a request carrying the report (its first line and headline) and returns when it was sent. */
async function delivered(
  recorder: RecordingHttp,
  sentAt: number[],
  match: (exchange: RecordingHttp["exchanges"][number]) => boolean,
  marker: string,
  headline: string,
): Promise<number> {
  return eventually(
    `a request carrying "${marker}"`,
    async () => {
      // A delivery that timed out is sent again: the one that got through is the one that counts.
      const index = recorder.exchanges.findIndex(
        (e) => match(e) && textOf(e.body).includes(marker) && e.status !== null && e.status < 300,
      );
      const exchange = recorder.exchanges[index];
      if (!exchange) return undefined;
      assert.ok(textOf(exchange.body).includes(headline), `"${headline}" in ${textOf(exchange.body).slice(0, 400)}`);
      return sentAt[index] ?? Number.POSITIVE_INFINITY;
    },
    {
      timeoutMs: 60_000,
      explain: () =>
        recorder.exchanges
          .map(
            (e) =>
              `${e.method} ${new URL(e.url).pathname} → ${e.status} ${e.violations.join("; ")} ${e.responseBody.slice(0, 200)}`,
          )
          .join("\n"),
    },
  );
}

/** The text of a JSON (Jira ADF) or form-encoded (Slack) body, for searching. */
function textOf(body: string): string {
  if (body.startsWith("{")) {
    const texts: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === "object") {
        const record = node as Record<string, unknown>;
        if (typeof record.text === "string") texts.push(record.text);
        for (const value of Object.values(record)) if (typeof value === "object") walk(value);
      }
    };
    walk(JSON.parse(body));
    return texts.join("\n");
  }
  const form = new URLSearchParams(body);
  return [form.get("text") ?? "", form.get("blocks") ?? ""].join("\n");
}

function checkoutRunbook(checkout: string): string {
  return [
    "# Checkout: failing orders",
    "",
    "## Diagnosis",
    "1. Check checkout's error ratio:",
    "   ```promql",
    `   ${errorRatio("checkout")}`,
    "   ```",
    "2. Check that checkout answers:",
    "   ```http",
    `   GET ${checkout}/metrics`,
    "   ```",
    "3. If it does not, restart it (an investigation never runs this):",
    "   ```sh",
    "   kubectl -n shop rollout restart deploy/checkout",
    "   ```",
    "",
    "## Remediation",
    "1. Roll back checkout's last deploy.",
    "2. Restart checkout if its memory grows.",
  ].join("\n");
}
