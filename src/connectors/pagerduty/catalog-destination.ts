import { z } from "zod";
import type { CatalogDestination } from "../connector.ts";

/** A service's own PagerDuty routing key: a credential, masked wherever Sluice shows the destination. */
export const pagerdutyCatalogDestination: CatalogDestination = {
  field: "pagerduty",
  schema: z.strictObject({
    routingKey: z.string().regex(/^[A-Za-z0-9]{32}$/, "must be a 32-character Events API v2 routing key"),
  }),
  toDestination: (input: { routingKey: string }) => ({ routingKey: input.routingKey }),
  annotations: [{ annotation: "pagerduty.com/integration-key", key: "routingKey" }],
  secretFields: ["routingKey"],
  describe: () => "pagerduty (routing key set)",
};
