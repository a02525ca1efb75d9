import type { AddressInfo } from "node:net";
import pino from "pino";
import { parseConfig } from "../config/loader.ts";
import type { SluiceConfig } from "../config/schema.ts";
import type { MemoryConnector } from "../connectors/memory/memory-connector.ts";
import { ManualClock } from "../core/clock.ts";
import { createSluice, type Sluice } from "../main.ts";

/** A whole Sluice on a throwaway database, with a manual clock and in-memory platforms. */
export async function inMemorySluice(document: Record<string, unknown> = {}, start = Date.parse("2026-11-02T10:00:00Z")) {
  const { config } = parseConfig(document, {}, process.cwd(), "test");
  const clock = new ManualClock(start);
  const sluice: Sluice = await createSluice(config, {
    clock,
    dryRun: true,
    dataDir: ":memory:",
    processMetrics: false,
    recordTicketText: true,
    logger: pino({ level: "silent" }),
  });
  const memory = sluice.connectors.get("memory") as MemoryConnector;
  return { sluice, clock, memory };
}

/** One replica of a Sluice whose database file lives in `dataDir`: start two on one directory for two replicas. */
export async function sluiceReplica(dataDir: string, start: number, document: Record<string, unknown> = {}) {
  const { config } = parseConfig(document, {}, process.cwd(), "test");
  const clock = new ManualClock(start);
  const sluice: Sluice = await createSluice(config, {
    clock,
    dryRun: true,
    dataDir,
    processMetrics: false,
    logger: pino({ level: "silent" }),
  });
  return { sluice, clock, memory: sluice.connectors.get("memory") as MemoryConnector };
}

let sequence = 0;

/** An anomaly event as the scorer writes it. */
export function anomalyEvent(fields: Record<string, unknown> = {}): Record<string, unknown> {
  sequence++;
  return {
    event_id: `evt-${sequence}-${Math.random().toString(36).slice(2, 8)}`,
    "@timestamp": "2026-11-02T10:00:00Z",
    anomaly_type: "error_rate",
    anomaly_score: 0.95,
    severity: "high",
    service: "payments",
    tenant_id: "acme",
    environment: "production",
    error_message: `timeout after ${sequence}ms calling bank for request ${sequence.toString(16)}f00`,
    ...fields,
  };
}

/** A whole Sluice on a throwaway database with the system clock, started and listening on a free loopback port. */
export async function listeningSluice(config: SluiceConfig): Promise<{ sluice: Sluice; port: number }> {
  const sluice = await createSluice(config, {
    dryRun: true,
    dataDir: ":memory:",
    processMetrics: false,
    logger: pino({ level: "silent" }),
  });
  sluice.start();
  await sluice.server.listen({ host: "127.0.0.1", port: 0 });
  return { sluice, port: (sluice.server.server.address() as AddressInfo).port };
}
