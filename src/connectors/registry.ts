import type { ConnectorFactory } from "./connector.ts";
import { memoryFactory } from "./memory/memory-factory.ts";

/** The one list of connector factories: a new platform is one folder plus one line here. */
export const connectorFactories: readonly ConnectorFactory[] = [memoryFactory];

export function findFactory(platform: string): ConnectorFactory | undefined {
  return connectorFactories.find((factory) => factory.platform === platform);
}
