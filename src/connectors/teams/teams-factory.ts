import { z } from "zod";
import type { ConnectorFactory } from "../connector.ts";
import { templateProblem } from "../ticket-text.ts";
import { TeamsConnector } from "./teams-connector.ts";

const liquid = z.string().superRefine((source, ctx) => {
  const problem = templateProblem(source);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const teamsConfig = z
  .strictObject({
    enabled: z.boolean().default(false).describe("Post incident cards to a Microsoft Teams channel."),
    webhookUrl: z
      .url({ protocol: /^https$/, error: "must be an https URL (the Workflows trigger URL)" })
      .optional()
      .describe("URL of a Workflows 'When a Teams webhook request is received' trigger; a secret (it carries sig=)."),
    templates: z
      .strictObject({ title: liquid.optional(), body: liquid.optional() })
      .optional()
      .describe("Liquid overrides of the card title and the text under it (default: the incident summary)."),
  })
  .superRefine((config, ctx) => {
    if (config.enabled && !config.webhookUrl) {
      ctx.addIssue({ code: "custom", path: ["webhookUrl"], message: "webhookUrl is required when teams is enabled" });
    }
  })
  .default({ enabled: false });

/** The validated `teams` block. */
export type TeamsConfig = z.infer<typeof teamsConfig>;

export const teamsFactory: ConnectorFactory<typeof teamsConfig> = {
  platform: "teams",
  configSchema: teamsConfig,
  // Anyone holding the Workflows URL can post to the channel.
  secretFields: ["webhookUrl"],
  isEnabled: (config) => config.enabled,
  create: (config, deps) => {
    if (!config.webhookUrl)
      throw new Error("teams connector created without webhookUrl; the config schema requires one when enabled");
    return new TeamsConnector({ webhookUrl: config.webhookUrl, templates: config.templates ?? {} }, deps);
  },
};
