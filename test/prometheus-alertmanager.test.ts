/**
 * A real Prometheus evaluates an alerting rule and a real Alertmanager sends its webhook to Sluice: the
 * firing alert opens one incident of the right service and severity, and when the condition clears, the
 * resolved notification resolves it.
 *
 * Needs: Prometheus and Alertmanager. scripts/prometheus.sh provides them: SLUICE_TEST_PROMETHEUS and
 * SLUICE_TEST_ALERTMANAGER when set, else Debian's `prometheus` and `prometheus-alertmanager` packages,
 * installed when missing. Both run as child processes of this test on loopback ports, with configurations
 * written here; Sluice runs in this process (SQLite in memory) behind a real listening HTTP server, and a
 * small HTTP server here exposes the metric the rule watches.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseConfig } from "../src/config/loader.ts";
import type { Incident } from "../src/core/incident.ts";
import type { Sluice } from "../src/main.ts";
import { listeningSluice } from "../src/testing/in-memory-sluice.ts";
import { ChildPeer } from "./support/child-peer.ts";
import { eventually } from "./support/eventually.ts";
import { missingPeer } from "./support/missing-peer.ts";
import { startPrometheus } from "./support/prometheus.ts";
import { provision } from "./support/provision.ts";
import { freePort } from "./support/sluice-process.ts";

const WAIT_MS = 45_000;

function binaries(): { prometheus: string; alertmanager: string } | { problem: string } {
  const found = provision("prometheus.sh", 2);
  if ("problem" in found) return found;
  const [prometheus, alertmanager] = found.output as [string, string];
  return { prometheus, alertmanager };
}

const found = binaries();
if ("problem" in found) {
  missingPeer(
    "a real Prometheus and Alertmanager",
    found.problem,
    "install prometheus and prometheus-alertmanager, or set SLUICE_TEST_PROMETHEUS and SLUICE_TEST_ALERTMANAGER",
  );
} else {
  describe("a real Prometheus and Alertmanager", () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-prom-"));
    let sluice: Sluice;
    let sluicePort = 0;
    let exporter: Server;
    let queueDepth = 0;
    const peers: ChildPeer[] = [];

    /** The incidents Sluice holds, newest first. */
    const incidents = async () =>
      ((await (await fetch(`http://127.0.0.1:${sluicePort}/api/incidents`)).json()) as { items: Incident[] }).items;
    const waitFor = <T>(what: string, probe: () => Promise<T | undefined>) =>
      eventually(what, probe, {
        timeoutMs: WAIT_MS,
        intervalMs: 250,
        explain: () => peers.map((peer) => `${peer.name}: ${peer.log}`).join("\n"),
      });

    before(async () => {
      ({ sluice, port: sluicePort } = await listeningSluice(parseConfig({}, {}, process.cwd(), "test").config));
      // The metric the rule watches, as an application would expose it.
      exporter = createServer((_request, response) => {
        response.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
        response.end(`# TYPE shop_queue_depth gauge\nshop_queue_depth{service="checkout"} ${queueDepth}\n`);
      });
      exporter.listen(0, "127.0.0.1");
      await once(exporter, "listening");
      const exporterPort = (exporter.address() as AddressInfo).port;
      const amPort = await freePort();

      writeFileSync(
        join(dir, "alertmanager.yml"),
        [
          "route:",
          "  receiver: sluice",
          "  group_by: [alertname, service]",
          "  group_wait: 1s",
          "  group_interval: 1s",
          "  repeat_interval: 1h",
          "receivers:",
          "  - name: sluice",
          "    webhook_configs:",
          `      - url: http://127.0.0.1:${sluicePort}/api/v1/webhooks/alertmanager`,
          "        send_resolved: true",
        ].join("\n"),
      );
      writeFileSync(
        join(dir, "rules.yml"),
        [
          "groups:",
          "  - name: shop",
          "    interval: 1s",
          "    rules:",
          "      - alert: QueueBacklog",
          "        expr: shop_queue_depth > 100",
          "        labels: { severity: critical }",
          "        annotations:",
          '          summary: "queue backlog on {{ $labels.service }}: {{ $value }} messages"',
        ].join("\n"),
      );
      const am = new ChildPeer("alertmanager", found.alertmanager, [
        `--config.file=${join(dir, "alertmanager.yml")}`,
        `--storage.path=${join(dir, "am-data")}`,
        `--web.listen-address=127.0.0.1:${amPort}`,
        "--cluster.listen-address=",
      ]);
      peers.push(am);
      await am.ready(`http://127.0.0.1:${amPort}/-/ready`);
      const { peer: prometheus } = await startPrometheus(found.prometheus, dir, {
        jobs: { shop: exporterPort },
        extra: [
          `rule_files: [${join(dir, "rules.yml")}]`,
          "alerting:",
          "  alertmanagers:",
          `    - static_configs: [{ targets: ["127.0.0.1:${amPort}"] }]`,
        ],
      });
      peers.push(prometheus);
    });

    after(async () => {
      await Promise.all(peers.map((peer) => peer.stop()));
      exporter?.close();
      await sluice?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it("opens one incident when the rule fires, and resolves it when the condition clears", async () => {
      queueDepth = 500;
      const [incident] = await waitFor("an incident from Alertmanager", async () => {
        const list = await incidents();
        return list.length > 0 ? list : undefined;
      });
      assert.ok(incident);
      assert.equal(incident.kind, "alert");
      assert.equal(incident.service, "checkout");
      assert.equal(incident.severity, "critical");
      assert.equal(incident.state, "open");
      assert.match(incident.title, /QueueBacklog|queue backlog on checkout/);

      queueDepth = 3;
      const resolved = await waitFor("the resolved notification", async () => {
        const list = await incidents();
        return list[0]?.state === "resolved" ? list : undefined;
      });
      // Repeated notifications of the same alert (group_interval 1s) never opened a second incident.
      assert.equal(resolved.length, 1);
      const detail = (await (await fetch(`http://127.0.0.1:${sluicePort}/api/incidents/${incident.key}`)).json()) as {
        signals: { source: string; status: string }[];
      };
      assert.ok(detail.signals.every((signal) => signal.source === "alertmanager"));
      assert.ok(detail.signals.some((signal) => signal.status === "resolved"));
    });
  });
}
