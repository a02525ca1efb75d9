import { z } from "zod";
import type { CatalogDestination } from "../connector.ts";

/** A service's Zammad group. */
export const zammadCatalogDestination: CatalogDestination = {
  field: "zammad",
  schema: z.strictObject({ group: z.string().trim().min(1) }),
  toDestination: (input: { group: string }) => ({ group: input.group }),
  annotations: [{ annotation: "sluice.dev/zammad-group", key: "group" }],
  describe: (destination) => `zammad group ${destination.group}`,
};
