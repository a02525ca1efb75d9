import { z } from "zod";
import type { ConnectorFactory } from "../connector.ts";
import { templateProblem } from "../ticket-text.ts";
import { pagerdutyCatalogDestination } from "./catalog-destination.ts";
import { PagerDutyConnector, type PagerDutySettings } from "./pagerduty-connector.ts";
import { DEFAULT_PAGERDUTY_MAX_AGE_SECONDS, PagerDutySync } from "./pagerduty-sync.ts";
import { pagerDutyUrlProblem } from "./url-format.ts";

/** Events API v2 base URL, with the /v2 prefix its API description's server URL carries. */
export const DEFAULT_PAGERDUTY_EVENTS_BASE_URL = "https://events.pagerduty.com/v2";
export const DEFAULT_PAGERDUTY_API_BASE_URL = "https://api.pagerduty.com";

const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http or https URL" });

const template = z
  .string()
  .superRefine((source, ctx) => {
    const problem = templateProblem(source);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .optional();

const pagerdutyConfig = z
  .strictObject({
    enabled: z.boolean().default(false).describe("Page through PagerDuty (Events API v2)."),
    routingKey: z.string().min(1).optional().describe("Events API v2 integration key (32 characters); required when enabled."),
    routingKeys: z
      .record(z.string().min(1), z.string().min(1))
      .default({})
      .describe("Integration keys by service name; an incident of a listed service goes to that key instead."),
    apiToken: z
      .string()
      .min(1)
      .optional()
      .describe("REST API v2 token; with fromEmail, comments become incident notes and test-connection checks it."),
    fromEmail: z.email().optional().describe("E-mail of a PagerDuty user; the REST API requires it (From header) on writes."),
    autoAcknowledge: z.boolean().default(false).describe("Acknowledge every incident right after triggering it."),
    eventsBaseUrl: httpUrl
      .default(DEFAULT_PAGERDUTY_EVENTS_BASE_URL)
      .describe("Events API v2 base URL including /v2; change it only for a proxy or a mock."),
    apiBaseUrl: httpUrl.default(DEFAULT_PAGERDUTY_API_BASE_URL).describe("REST API v2 base URL (proxy, mock)."),
    templates: z
      .strictObject({ title: template, body: template })
      .default({})
      .describe("Liquid overrides of the event summary (title) and the summary in custom_details (body)."),
    webhookSecret: z
      .string()
      .min(16, "use the signing secret PagerDuty shows for the webhook subscription")
      .optional()
      .describe(
        "Signing secret of a v3 webhook subscription posting to /api/v1/sync/pagerduty; when set, acknowledge, resolve, reopen and notes in PagerDuty reach Sluice.",
      ),
    sync: z
      .strictObject({
        maxAgeSeconds: z
          .number()
          .int()
          .min(60)
          .optional()
          .describe(
            `Refuse webhook events whose signed occurred_at is older than this (default ${DEFAULT_PAGERDUTY_MAX_AGE_SECONDS}).`,
          ),
        ignoreUsers: z
          .array(z.string().min(1))
          .optional()
          .describe("PagerDuty user ids or names whose changes are Sluice's own (the fromEmail user); their events are skipped."),
      })
      .optional()
      .describe("Inbound sync options (needs webhookSecret)."),
  })
  .superRefine((config, ctx) => {
    if (!config.enabled) return;
    if (!config.routingKey) {
      ctx.addIssue({
        code: "custom",
        path: ["routingKey"],
        message: "routingKey is required when pagerduty is enabled (the Events API v2 integration key of a service)",
      });
    }
    if (config.apiToken && !config.fromEmail) {
      ctx.addIssue({
        code: "custom",
        path: ["fromEmail"],
        message: "fromEmail is required with apiToken: PagerDuty's REST API refuses notes without a From user",
      });
    }
  })
  .default({
    enabled: false,
    routingKeys: {},
    autoAcknowledge: false,
    eventsBaseUrl: DEFAULT_PAGERDUTY_EVENTS_BASE_URL,
    apiBaseUrl: DEFAULT_PAGERDUTY_API_BASE_URL,
    templates: {},
  });

/** The validated `pagerduty` block. */
export type PagerDutyConfig = z.infer<typeof pagerdutyConfig>;

/** The connector settings a valid, enabled block gives; throws for a block the schema would have refused. */
export function pagerdutySettings(config: PagerDutyConfig): PagerDutySettings {
  if (!config.routingKey) throw new Error("pagerduty connector needs a routingKey");
  return {
    routingKey: config.routingKey,
    routingKeys: config.routingKeys,
    eventsBaseUrl: config.eventsBaseUrl.replace(/\/+$/, ""),
    apiBaseUrl: config.apiBaseUrl.replace(/\/+$/, ""),
    apiToken: config.apiToken ?? null,
    fromEmail: config.fromEmail ?? null,
    autoAcknowledge: config.autoAcknowledge,
    templates: config.templates,
  };
}

export const pagerdutyFactory: ConnectorFactory<typeof pagerdutyConfig> = {
  platform: "pagerduty",
  configSchema: pagerdutyConfig,
  // An integration key lets anyone page the service's on-call; the REST token acts as a user.
  secretFields: ["routingKey", "routingKeys", "apiToken", "webhookSecret"],
  catalog: pagerdutyCatalogDestination,
  isEnabled: (config) => config.enabled,
  create: (config, deps) => new PagerDutyConnector(pagerdutySettings(config), deps),
  publicUrlProblem: (publicUrl) => {
    // Checked on a link as Sluice makes them (publicUrl itself may end without a path).
    const problem = pagerDutyUrlProblem(new URL("/incidents/INC-1", publicUrl).toString());
    return problem && `${problem}: PagerDuty refuses such links (its format: url), so events go out without client_url and links`;
  },
  // Without the subscription's signing secret nothing proves a request came from PagerDuty.
  createSyncHandler: (config, deps) =>
    config.webhookSecret
      ? new PagerDutySync(
          {
            webhookSecret: config.webhookSecret,
            maxAgeSeconds: config.sync?.maxAgeSeconds ?? DEFAULT_PAGERDUTY_MAX_AGE_SECONDS,
            ignoreUsers: config.sync?.ignoreUsers ?? [],
          },
          deps.clock,
        )
      : null,
};
