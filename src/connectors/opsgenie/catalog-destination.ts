import { z } from "zod";
import type { CatalogDestination } from "../connector.ts";

/** The responder team of a service's alerts, for Opsgenie or its successor JSM (same shape, own key). */
function teamDestination(platform: "opsgenie" | "jsm", annotation: string): CatalogDestination {
  return {
    field: platform,
    schema: z.strictObject({ team: z.string().trim().min(1) }),
    toDestination: (input: { team: string }) => ({ team: input.team }),
    annotations: [{ annotation, key: "team" }],
    describe: (destination) => `${platform} team ${destination.team}`,
  };
}

export const opsgenieCatalogDestination = teamDestination("opsgenie", "opsgenie.com/team");
export const jsmCatalogDestination = teamDestination("jsm", "sluice.dev/jsm-team");
