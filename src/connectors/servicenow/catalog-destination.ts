import { z } from "zod";
import type { CatalogDestination } from "../connector.ts";

const name = z.string().trim().min(1);

/** A service's ServiceNow assignment group and configuration item. */
export const servicenowCatalogDestination: CatalogDestination = {
  field: "servicenow",
  schema: z
    .strictObject({ assignmentGroup: name.optional(), configurationItem: name.optional() })
    .refine((value) => value.assignmentGroup !== undefined || value.configurationItem !== undefined, {
      message: "give assignmentGroup, configurationItem or both",
    }),
  toDestination: ({ assignmentGroup, configurationItem }: { assignmentGroup?: string; configurationItem?: string }) => ({
    ...(assignmentGroup ? { assignmentGroup } : {}),
    ...(configurationItem ? { configurationItem } : {}),
  }),
  annotations: [
    { annotation: "sluice.dev/servicenow-assignment-group", key: "assignmentGroup" },
    { annotation: "sluice.dev/servicenow-ci", key: "configurationItem" },
  ],
  describe: (destination) =>
    `servicenow ${[destination.assignmentGroup, destination.configurationItem && `CI ${destination.configurationItem}`]
      .filter(Boolean)
      .join(", ")}`,
};
