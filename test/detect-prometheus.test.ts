/**
 * Detection rules against a real Prometheus: Prometheus scrapes gauges and counters that a small HTTP server
 * here exposes, Sluice (in this process, SQLite in memory, its detect module started) evaluates its rules
 * against Prometheus' query API every second. A normal phase opens nothing; then a step, a flatline, a slow
 * drift, a seasonal series run in antiphase and an SLO burn (in five services) each open exactly one incident with the mapped service and
 * severity — an SLO burn in a service below the traffic guard opens none — and each resolves on recovery.
 *
 * Needs: Prometheus. scripts/prometheus.sh provides it (SLUICE_TEST_PROMETHEUS when set, else Debian's
 * `prometheus` package, installed when missing); it runs as a child process on a loopback port.
 * Windows are scaled down to seconds (the burn-rate pair is 30s & 5s above 10×; the season is 10 s in ten slots)
 * so the suite takes about three minutes; the detectors' tests cover the workbook's real windows.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseConfig } from "../src/config/loader.ts";
import type { Incident } from "../src/core/incident.ts";
import type { Sluice } from "../src/main.ts";
import { listeningSluice } from "../src/testing/in-memory-sluice.ts";
import type { ChildPeer } from "./support/child-peer.ts";
import { eventually } from "./support/eventually.ts";
import { missingPeer } from "./support/missing-peer.ts";
import { startPrometheus } from "./support/prometheus.ts";
import { provision } from "./support/provision.ts";

// The seasonal rule needs five values per slot (50 s) and then 50 calibrated deviations before it may fire.
const NORMAL_PHASE_MS = 115_000;
const SEASON_MS = 10_000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What the exporter serves; the phases of the test flip these. */
const world = {
  step: false,
  flat: false,
  drift: false,
  burn: false,
  season: false,
  disk: 50,
  requests: { total: 0, good: 0, quietTotal: 0, quietGood: 0 },
};

/** Advances the counters and the drifting gauge ten times a second. */
function simulate(): NodeJS.Timeout {
  return setInterval(() => {
    const r = world.requests;
    r.total += 10;
    r.good += world.burn ? 5 : 10;
    // 0.5 requests a second, all failing in the burn: below the 100-event guard over the 30 s window.
    r.quietTotal += 0.05;
    r.quietGood += world.burn ? 0 : 0.05;
    world.disk = world.drift ? world.disk + 0.1 : 50;
  }, 100);
}

function exposition(): string {
  const now = Date.now();
  const wobble = (period: number) => Math.sin(now / period);
  const r = world.requests;
  // A 10 s cycle between 50 and 150; the anomaly runs it in antiphase: every value stays inside the usual range.
  const wave = 50 * Math.sin((2 * Math.PI * (now % SEASON_MS)) / SEASON_MS);
  const queue = 100 + (world.season ? -wave : wave) + 4 * (Math.random() - 0.5);
  return [
    "# TYPE demo_latency_seconds gauge",
    `demo_latency_seconds{service="step-svc",tier="gold"} ${world.step ? 2.5 + 0.05 * wobble(700) : 0.2 + 0.05 * wobble(700)}`,
    "# TYPE demo_throughput gauge",
    `demo_throughput{service="flat-svc"} ${world.flat ? 42 : 100 + 10 * wobble(900) + (now % 1000) / 1000}`,
    "# TYPE demo_disk_used_percent gauge",
    `demo_disk_used_percent{service="disk-svc"} ${world.disk + 0.3 * wobble(1300)}`,
    "# TYPE demo_queue_depth gauge",
    `demo_queue_depth{service="season-svc"} ${queue}`,
    "# TYPE demo_requests_total counter",
    `demo_requests_total{service="slo-svc"} ${r.total}`,
    `demo_requests_total{service="slo-quiet"} ${r.quietTotal}`,
    "# TYPE demo_requests_good_total counter",
    `demo_requests_good_total{service="slo-svc"} ${r.good}`,
    `demo_requests_good_total{service="slo-quiet"} ${r.quietGood}`,
    "",
  ].join("\n");
}

function rules(): unknown[] {
  const bySeries = { label: "service" };
  return [
    {
      name: "latency-step",
      query: "demo_latency_seconds",
      interval: "1s",
      detector: { kind: "threshold", above: 1, for: "2s" },
      labels: { service: bySeries, severity: { label: "tier", map: { gold: "critical" }, default: "low" } },
    },
    {
      name: "throughput-flat",
      query: "demo_throughput",
      interval: "1s",
      detector: { kind: "flatline", for: "6s" },
      labels: { service: bySeries, severity: "medium" },
    },
    {
      name: "disk-drift",
      query: "demo_disk_used_percent",
      interval: "1s",
      detector: { kind: "trend", above: 90, horizon: "30s" },
      labels: { service: bySeries, severity: "low" },
    },
    {
      name: "queue-seasonal",
      query: "demo_queue_depth",
      interval: "1s",
      detector: { kind: "seasonal", period: "10s", slots: 10 },
      labels: { service: bySeries, severity: "high" },
    },
    {
      name: "availability-burn",
      interval: "1s",
      detector: {
        kind: "slo-burn-rate",
        objective: 0.99,
        good: "sum by (service) (demo_requests_good_total)",
        total: "sum by (service) (demo_requests_total)",
        windows: [{ long: "30s", short: "5s", factor: 10, alert: "page" }],
        minEvents: 100,
      },
      labels: { service: bySeries },
    },
  ];
}

const EXPECTED: Record<string, { severity: string; type: string }> = {
  "step-svc": { severity: "critical", type: "threshold" },
  "flat-svc": { severity: "medium", type: "flatline" },
  "disk-svc": { severity: "low", type: "trend" },
  "slo-svc": { severity: "high", type: "slo-burn-rate" },
  "season-svc": { severity: "high", type: "seasonal" },
};

const found = provision("prometheus.sh", 2);
if ("problem" in found) {
  missingPeer("detection rules on a real Prometheus", found.problem, "install prometheus, or set SLUICE_TEST_PROMETHEUS");
} else {
  const [prometheusBinary] = found.output as [string, string];
  describe("detection rules on a real Prometheus", () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-detect-"));
    let sluice: Sluice;
    let sluicePort = 0;
    let exporter: Server;
    let simulation: NodeJS.Timeout;
    let prometheus: ChildPeer;

    const incidents = async () =>
      ((await (await fetch(`http://127.0.0.1:${sluicePort}/api/incidents?limit=50`)).json()) as { items: Incident[] }).items;
    const waitFor = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000) =>
      eventually(what, probe, { timeoutMs, intervalMs: 500, explain: () => `prometheus: ${prometheus.log}` });

    before(async () => {
      exporter = createServer((_request, response) => {
        response.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
        response.end(exposition());
      });
      exporter.listen(0, "127.0.0.1");
      await once(exporter, "listening");
      simulation = simulate();
      const exporterPort = (exporter.address() as AddressInfo).port;
      let promUrl: string;
      ({ url: promUrl, peer: prometheus } = await startPrometheus(prometheusBinary, dir, { jobs: { demo: exporterPort } }));
      const document = { detect: { prometheus: { url: promUrl, timeout: "5s" }, rules: rules() } };
      ({ sluice, port: sluicePort } = await listeningSluice(parseConfig(document, {}, process.cwd(), "test").config));
    });

    after(async () => {
      clearInterval(simulation);
      await sluice?.close();
      await prometheus?.stop();
      exporter?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it("opens nothing in the normal phase, one incident per anomaly with its service and severity, and resolves each on recovery", async () => {
      await sleep(NORMAL_PHASE_MS);
      assert.deepEqual(
        (await incidents()).map((i) => `${i.service}: ${i.title}`),
        [],
        "no incident during the normal phase",
      );

      Object.assign(world, { step: true, flat: true, drift: true, burn: true, season: true });
      const opened = await waitFor("an incident for each anomaly", async () => {
        const list = await incidents();
        return Object.keys(EXPECTED).every((service) => list.some((i) => i.service === service)) ? list : undefined;
      });
      // Let every rule evaluate a few more times while the anomalies last: no second incident.
      await sleep(5000);
      const during = await incidents();
      const services = during.map((i) => i.service).sort();
      assert.deepEqual(services, Object.keys(EXPECTED).sort(), "exactly one incident per anomaly; none for slo-quiet");
      for (const incident of during) {
        const expected = EXPECTED[incident.service];
        assert.ok(expected, incident.service);
        assert.equal(incident.kind, "anomaly");
        assert.equal(incident.severity, expected.severity, `${incident.service}'s severity`);
        assert.equal(incident.state, "open", `${incident.service} is open`);
        assert.match(incident.title, new RegExp(`^${expected.type} in ${incident.service}: `));
      }
      assert.equal(opened.length, 5);

      Object.assign(world, { step: false, flat: false, drift: false, burn: false, season: false });
      const resolved = await waitFor("every incident resolved on recovery", async () => {
        const list = await incidents();
        return list.length === 5 && list.every((i) => i.state === "resolved") ? list : undefined;
      });
      for (const incident of resolved) {
        const detail = (await (await fetch(`http://127.0.0.1:${sluicePort}/api/incidents/${incident.key}`)).json()) as {
          signals: { source: string; status: string }[];
        };
        assert.ok(detail.signals.every((signal) => signal.source === "detect"));
        assert.ok(
          detail.signals.some((signal) => signal.status === "resolved"),
          `${incident.service} resolved by its rule`,
        );
      }
    });
  });
}
