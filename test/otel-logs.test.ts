/**
 * Logs from a real OpenTelemetry SDK become incidents by error pattern: error records of one service, with
 * ids and numbers varying inside their messages, make one incident per pattern; info records are counted
 * and dropped.
 *
 * Needs: nothing but Node. The SDK for logs (`@opentelemetry/sdk-logs`) with its OTLP/HTTP exporters (JSON,
 * and protobuf) runs in this process and exports to Sluice behind a real listening HTTP server
 * (SQLite in memory, in-memory platform, the system clock).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SeverityNumber } from "@opentelemetry/api-logs";
import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-http";
import { OTLPLogExporter as OTLPProtobufLogExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import { ProtobufLogsSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BatchLogRecordProcessor,
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
} from "@opentelemetry/sdk-logs";
import { parseConfig } from "../src/config/loader.ts";
import type { Incident } from "../src/core/incident.ts";
import type { Sluice } from "../src/main.ts";
import { listeningSluice } from "../src/testing/in-memory-sluice.ts";

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

  it("takes the protobuf exporter's records the same way, and answers it in protobuf", async () => {
    // Records are captured, then exported by hand, so the exporter's verdict on Sluice's answer is seen.
    const captured = new InMemoryLogRecordExporter();
    const protobufProvider = new LoggerProvider({
      resource: resourceFromAttributes({ "service.name": "ledger", "deployment.environment.name": "production" }),
      processors: [new SimpleLogRecordProcessor({ exporter: captured })],
    });
    const exporter = new OTLPProtobufLogExporter({ url: `${base}/v1/logs` });
    try {
      const logger = protobufProvider.getLogger("ledger");
      for (let i = 0; i < 5; i++) {
        logger.emit({
          severityNumber: SeverityNumber.FATAL,
          severityText: "FATAL",
          body: `ledger ${i} out of balance by ${i * 7 + 1} cents`,
          attributes: { "ledger.shard": i },
        });
      }
      await protobufProvider.forceFlush();
      const records = captured.getFinishedLogRecords();
      const result = await new Promise<ExportResult>((resolve) => exporter.export(records.slice(0, 4), resolve));
      assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error));
      // The last one by hand, to read the answer: protobuf, as the request was, parsed by the SDK's own reader.
      const response = await fetch(`${base}/v1/logs`, {
        method: "POST",
        headers: { "content-type": "application/x-protobuf" },
        body: ProtobufLogsSerializer.serializeRequest(records.slice(4)) as Uint8Array<ArrayBuffer>,
      });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("content-type"), "application/x-protobuf");
      assert.deepEqual(ProtobufLogsSerializer.deserializeResponse(new Uint8Array(await response.arrayBuffer())), {});
    } finally {
      await Promise.all([protobufProvider.shutdown(), exporter.shutdown()]);
    }
    await sluice.runner.flush();
    const { items } = (await (await fetch(`${base}/api/incidents?service=ledger`)).json()) as { items: Incident[] };
    assert.deepEqual(
      items.map((incident) => [incident.errorPattern, incident.severity, incident.signalCount]),
      [["ledger <*> out of balance by <*> cents", "critical", 5]],
    );
    // A body that is not protobuf is refused by name, nothing stored.
    const broken = await fetch(`${base}/v1/logs`, {
      method: "POST",
      headers: { "content-type": "application/x-protobuf" },
      body: new Uint8Array([10, 200]),
    });
    assert.equal(broken.status, 400);
    assert.match(await broken.text(), /not a valid OTLP protobuf ExportLogsServiceRequest/);
  });
});
