import { z } from "zod";
import type { CatalogDestination } from "../connector.ts";

/** A service's Jira project: its owner's issues go there instead of the configured project. */
export const jiraCatalogDestination: CatalogDestination = {
  field: "jira",
  schema: z.strictObject({ projectKey: z.string().regex(/^[A-Z][A-Z0-9_]+$/, "must be a Jira project key such as PAY") }),
  toDestination: (input: { projectKey: string }) => ({ projectKey: input.projectKey }),
  annotations: [{ annotation: "jira/project-key", key: "projectKey" }],
  describe: (destination) => `jira ${destination.projectKey}`,
};
