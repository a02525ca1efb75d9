import { z } from "zod";
import type { ConnectorFactory } from "../connector.ts";
import { MemoryConnector } from "./memory-connector.ts";

const memoryConfig = z
  .strictObject({
    enabled: z.boolean().default(true).describe("Keep deliveries in the process (tests, dry runs, the demo)."),
  })
  .default({ enabled: true });

export const memoryFactory: ConnectorFactory<typeof memoryConfig> = {
  platform: "memory",
  configSchema: memoryConfig,
  secretFields: [],
  isEnabled: (config) => config.enabled,
  create: () => new MemoryConnector("memory"),
};
