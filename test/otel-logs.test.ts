/**
 * Logs from a real OpenTelemetry SDK become incidents by error pattern: error records of one service, with
 * ids and numbers varying inside their messages, make one incident per pattern; info records are counted
 * and dropped.
 *
 * Needs: nothing but Node. The SDK for logs (`@opentelemetry/sdk-logs`) with its OTLP/HTTP exporter, whose
 * default encoding is JSON, runs in this process and exports to Sluice behind a real listening HTTP server
 * (SQLite in memory, in-memory platform, the system clock).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SeverityNumber } from "@opentelemetry/api-logs";
import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchLogRecordProcessor, LoggerProvider } from "@opentelemetry/sdk-logs";
import { parseConfig } from "../src/config/loader.ts";
import type { Incident } from "../src/core/incident.ts";
import type { Sluice } from "../src/main.ts";
import { listeningSluice } from "./support/in-memory-sluice.ts";

describe("logs from a real OpenTelemetry SDK", () => {
  let sluice: Sluice;
  let base = "";
  let provider: LoggerProvider;

  before(async () => {
    const { config } = parseConfig({}, {}, process.cwd(), "test");
    const started = await listeningSluice(config);
    sluice = started.sluice;
    base = `http://127.0.0.1:${started.port}`;
    provider = new LoggerProvider({
      resource: resourceFromAttributes({ "service.name": "checkout", "deployment.environment.name": "production" }),
      processors: [
        new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${base}/v1/logs` }), maxExportBatchSize: 25 }),
      ],
    });
  });

  after(async () => {
    try {
      await provider?.shutdown();
    } finally {
      await sluice?.close();
    }
  });

  it("makes one incident per error pattern and drops info records", async () => {
    const logger = provider.getLogger("checkout");
    for (let i = 0; i < 40; i++) {
      logger.emit({
        severityNumber: SeverityNumber.ERROR,
        severityText: "ERROR",
        body: `payment ${7000 + i * 13} declined for order ${(0xa1b2c3 + i).toString(16)}: card expired`,
        attributes: { "order.id": 7000 + i },
      });
      if (i % 2 === 0) {
        logger.emit({
          severityNumber: SeverityNumber.ERROR,
          severityText: "ERROR",
          body: `connection to ledger-db:5432 refused after ${100 + i} ms`,
        });
      }
      logger.emit({ severityNumber: SeverityNumber.INFO, severityText: "INFO", body: `order ${i} placed` });
    }
    await provider.forceFlush();
    await sluice.runner.flush();

    const { items } = (await (await fetch(`${base}/api/incidents?limit=10`)).json()) as { items: Incident[] };
    assert.deepEqual(items.map((incident) => [incident.service, incident.errorPattern, incident.signalCount]).sort(), [
      ["checkout", "connection to ledger-db:<*> refused after <*> ms", 20],
      ["checkout", "payment <*> declined for order <*>: card expired", 40],
    ]);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /sluice_log_records_total\{outcome="signal"\} 60/);
    assert.match(metrics, /sluice_log_records_total\{outcome="below_severity"\} 40/);
  });

  it("refuses protobuf with a 415 that says how to switch to JSON", async () => {
    const response = await fetch(`${base}/v1/logs`, {
      method: "POST",
      headers: { "content-type": "application/x-protobuf" },
      body: new Uint8Array([10, 0]),
    });
    assert.equal(response.status, 415);
    assert.match(await response.text(), /OTEL_EXPORTER_OTLP_LOGS_PROTOCOL=http\/json/);
  });
});
