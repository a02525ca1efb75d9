import { platformEnabled } from "../config/loader.ts";
import type { SluiceConfig } from "../config/schema.ts";
import type { Connector, ConnectorDeps, ConnectorFactory, HttpClient } from "../connectors/connector.ts";
import { MemoryConnector } from "../connectors/memory/memory-connector.ts";
import { connectorFactories } from "../connectors/registry.ts";
import type { Clock } from "../core/clock.ts";
import type { SyncHandler, SyncPoller } from "../core/inbound.ts";
import type { SluiceOptions } from "./sluice.ts";

/** One connector per enabled platform; in-memory stand-ins on a dry run. */
export function buildConnectors(
  config: SluiceConfig,
  options: Pick<SluiceOptions, "http" | "dryRun" | "recordTicketText">,
  clock: Clock,
  factories: readonly ConnectorFactory[] = connectorFactories,
): Map<string, Connector> {
  const connectors = new Map<string, Connector>();
  const http = options.http ?? ((url: string, init: RequestInit) => fetch(url, init));
  for (const factory of factories) {
    if (!platformEnabled(config, factory.platform, factories)) continue;
    const connector = options.dryRun
      ? new MemoryConnector(factory.platform, { recordText: options.recordTicketText ?? false })
      : factory.create(config.platforms[factory.platform], { http, clock, timeoutMs: config.delivery.timeout });
    connectors.set(factory.platform, connector);
  }
  return connectors;
}

/** The inbound side of every enabled platform that configures how to verify its sender. */
export function buildSyncHandlers(
  config: SluiceConfig,
  clock: Clock,
  factories: readonly ConnectorFactory[] = connectorFactories,
  /** For handlers that answer the platform (Slack's response_url). */
  http?: HttpClient,
): Map<string, SyncHandler> {
  const handlers = new Map<string, SyncHandler>();
  for (const factory of factories) {
    if (!platformEnabled(config, factory.platform, factories) || !factory.createSyncHandler) continue;
    const handler = factory.createSyncHandler(config.platforms[factory.platform], { clock, ...(http ? { http } : {}) });
    if (handler) handlers.set(factory.platform, handler);
  }
  return handlers;
}

/** Pollers of enabled platforms that configure one. */
export function buildPollers(
  config: SluiceConfig,
  deps: ConnectorDeps,
  factories: readonly ConnectorFactory[] = connectorFactories,
): SyncPoller[] {
  const pollers: SyncPoller[] = [];
  for (const factory of factories) {
    if (!platformEnabled(config, factory.platform, factories) || !factory.createPoller) continue;
    const poller = factory.createPoller(config.platforms[factory.platform], deps);
    if (poller) pollers.push(poller);
  }
  return pollers;
}
