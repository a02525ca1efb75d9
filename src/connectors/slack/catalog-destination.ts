import { z } from "zod";
import type { CatalogDestination } from "../connector.ts";

/** A service's Slack channel (bot-token mode): written as a plain `slackChannel` in the catalog. */
export const slackCatalogDestination: CatalogDestination = {
  field: "slackChannel",
  schema: z.string().trim().min(1).describe("Channel name or id (Slack bot-token mode)."),
  toDestination: (channel: string) => ({ channel }),
  // The first one a Backstage entity has wins.
  annotations: [{ annotation: "sluice.dev/slack-channel" }, { annotation: "slack.com/channel" }],
  describe: (destination) => `slack ${destination.channel}`,
};
