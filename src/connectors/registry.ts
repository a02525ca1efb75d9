import type { ConnectorFactory } from "./connector.ts";
import { memoryFactory } from "./memory/memory-factory.ts";
import { slackFactory } from "./slack/slack-factory.ts";
import { webhookFactory } from "./webhook/webhook-factory.ts";

/** The one list of connector factories: a new platform is one folder plus one entry here. */
export const connectorFactories: readonly ConnectorFactory[] = [memoryFactory, webhookFactory, slackFactory];

/** The factory for a platform name as used in config and routing, if Sluice has one. */
export function findFactory(platform: string): ConnectorFactory | undefined {
  return connectorFactories.find((factory) => factory.platform === platform);
}
