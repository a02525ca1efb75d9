import { z } from "zod";
import type { ConnectorFactory } from "../connector.ts";
import { slackCatalogDestination } from "./catalog-destination.ts";
import { SlackConnector, type SlackSettings } from "./slack-connector.ts";
import { SlackSync } from "./slack-sync.ts";

export const DEFAULT_SLACK_API_BASE_URL = "https://slack.com/api";

const slackConfig = z
  .strictObject({
    enabled: z.boolean().default(false).describe("Post incidents to Slack."),
    webhookUrl: z
      .url({ protocol: /^https$/, error: "must be an https URL (https://hooks.slack.com/services/...)" })
      .optional()
      .describe("Incoming-webhook mode: every change is a new message (incoming webhooks cannot thread or edit)."),
    botToken: z
      .string()
      .min(1)
      .optional()
      .describe("Bot-token mode (xoxb-...): one message per incident, changes in its thread."),
    channel: z.string().min(1).optional().describe("Channel id or name the bot posts to (bot-token mode)."),
    apiBaseUrl: z
      .url({ protocol: /^https?$/, error: "must be an http or https URL" })
      .default(DEFAULT_SLACK_API_BASE_URL)
      .describe("Slack Web API base URL; change it only for a proxy or a mock."),
    signingSecret: z
      .string()
      .min(1)
      .optional()
      .describe(
        "The Slack app's signing secret (bot-token mode): turns on the Acknowledge / Resolve / Escalate buttons' endpoint, POST /api/v1/sync/slack (the app's Interactivity request URL).",
      ),
    approvers: z
      .array(z.string().regex(/^[UW][A-Z0-9]{2,20}$/, "must be a Slack user id such as U012AB3CD4E (names change; ids do not)"))
      .min(1)
      .optional()
      .describe(
        "Slack user ids allowed to press Approve / Reject on a remediation run awaiting approval. Unset: anyone who can click in the channel. A click by anyone else decides nothing and is told why.",
      ),
  })
  .superRefine((config, ctx) => {
    if (!config.enabled) return;
    const webhook = config.webhookUrl !== undefined;
    const bot = config.botToken !== undefined;
    if (!webhook && !bot) {
      ctx.addIssue({
        code: "custom",
        path: [],
        message: "slack is enabled but has no destination: set webhookUrl (incoming webhook) or botToken and channel",
      });
    } else if (webhook && bot) {
      ctx.addIssue({
        code: "custom",
        path: ["webhookUrl"],
        message: "set either webhookUrl or botToken + channel, not both (bot-token mode threads and edits; webhook mode cannot)",
      });
    } else if (bot && config.channel === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["channel"],
        message: "channel is required with botToken (e.g. C0123456789 or #incidents)",
      });
    } else if (webhook && config.signingSecret !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["signingSecret"],
        message: "signingSecret only applies with botToken; incoming-webhook messages cannot be edited after a button is pressed",
      });
    } else if (config.approvers !== undefined && config.signingSecret === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["approvers"],
        message: "approvers only apply with signingSecret: without it Slack's buttons are off and nobody can approve from Slack",
      });
    } else if (webhook && config.channel !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["channel"],
        message: "channel only applies with botToken; an incoming webhook always posts to the channel chosen when it was created",
      });
    }
  })
  .default({ enabled: false, apiBaseUrl: DEFAULT_SLACK_API_BASE_URL });

/** The validated `slack` block. */
export type SlackConfig = z.infer<typeof slackConfig>;

/** The mode a valid, enabled block selects; throws for a block the schema would have refused. */
export function slackSettings(config: SlackConfig): SlackSettings {
  if (config.botToken && config.channel && !config.webhookUrl) {
    return { mode: "bot", botToken: config.botToken, channel: config.channel, apiBaseUrl: config.apiBaseUrl.replace(/\/+$/, "") };
  }
  if (config.webhookUrl && !config.botToken) return { mode: "webhook", webhookUrl: config.webhookUrl };
  throw new Error("slack connector needs exactly one of webhookUrl or botToken + channel");
}

export const slackFactory: ConnectorFactory<typeof slackConfig> = {
  platform: "slack",
  configSchema: slackConfig,
  // An incoming-webhook URL is a bearer credential: anyone holding it can post to the channel.
  secretFields: ["botToken", "webhookUrl", "signingSecret"],
  catalog: slackCatalogDestination,
  isEnabled: (config) => config.enabled,
  create: (config, deps) => new SlackConnector(slackSettings(config), deps),
  // Buttons exist only on bot-token messages; without the signing secret no click could be verified.
  createSyncHandler: (config, deps) =>
    config.signingSecret && config.botToken ? new SlackSync(config.signingSecret, deps.clock, deps.http, config.approvers) : null,
};
