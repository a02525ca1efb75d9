import { z } from "zod";
import type { ConnectorFactory } from "../connector.ts";
import { templateProblem } from "../ticket-text.ts";
import { zammadCatalogDestination } from "./catalog-destination.ts";
import { DEFAULT_PRIORITIES } from "./transform.ts";
import { ZammadConnector, type ZammadSettings } from "./zammad-connector.ts";
import { DEFAULT_CLOSED_STATES, DEFAULT_OPEN_STATES, DEFAULT_ZAMMAD_MAX_AGE_SECONDS, ZammadSync } from "./zammad-sync.ts";

const liquid = z.string().superRefine((source, ctx) => {
  const problem = templateProblem(source);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const priorityName = z.string().min(1);

const zammadConfig = z
  .strictObject({
    enabled: z.boolean().default(false).describe("Open Zammad tickets through the REST API."),
    baseUrl: z
      .url({ protocol: /^https?$/, error: "must be an http or https URL" })
      .optional()
      .describe("Zammad's URL, e.g. https://zammad.example.com (ticket links point here)."),
    apiBaseUrl: z
      .url({ protocol: /^https?$/, error: "must be an http or https URL" })
      .optional()
      .describe("REST API base; default <baseUrl>/api/v1. Change it only for a proxy or a mock."),
    token: z.string().min(1).optional().describe("API access token, sent as `Authorization: Token token=...`."),
    oauthToken: z.string().min(1).optional().describe("OAuth access token, sent as Bearer (instead of token)."),
    group: z.string().min(1).optional().describe("Group new tickets go to (name), e.g. Users."),
    customer: z
      .string()
      .min(1)
      .optional()
      .describe("Customer of new tickets: login or e-mail of an existing user, or guess:<email> to find or create one."),
    priorities: z
      .strictObject({
        critical: priorityName.optional(),
        high: priorityName.optional(),
        medium: priorityName.optional(),
        low: priorityName.optional(),
        info: priorityName.optional(),
      })
      .optional()
      .describe('Priority name per severity; default critical/high "3 high", medium "2 normal", low/info "1 low".'),
    tags: z
      .array(z.string().regex(/^[^,]+$/, "a tag cannot contain a comma"))
      .default(["sluice"])
      .describe("Tags every ticket gets besides the one carrying the idempotency key."),
    templates: z
      .strictObject({ title: liquid.optional(), body: liquid.optional() })
      .optional()
      .describe("Liquid overrides of the ticket title and the first article."),
    webhookSecret: z
      .string()
      .min(16, "use at least 16 characters so the HMAC key cannot be guessed")
      .optional()
      .describe(
        "HMAC-SHA1 signature token of a Zammad webhook posting to /api/v1/sync/zammad; when set, closes, reopens and new articles in Zammad reach Sluice.",
      ),
    sync: z
      .strictObject({
        closedStates: z
          .array(z.string().min(1))
          .min(1)
          .optional()
          .describe(`State names that resolve the incident (default ${DEFAULT_CLOSED_STATES.join(", ")}).`),
        openStates: z
          .array(z.string().min(1))
          .min(1)
          .optional()
          .describe(`State names that reopen it once the ticket was closed before (default ${DEFAULT_OPEN_STATES.join(", ")}).`),
        maxAgeSeconds: z
          .number()
          .int()
          .min(60)
          .optional()
          .describe(`Refuse webhooks whose signed updated_at is older than this (default ${DEFAULT_ZAMMAD_MAX_AGE_SECONDS}).`),
        ignoreUsers: z
          .array(z.string().min(1))
          .optional()
          .describe("Logins or e-mails whose articles and changes are Sluice's own (the token's user); they are skipped."),
      })
      .optional()
      .describe("Inbound sync options (needs webhookSecret)."),
  })
  .superRefine((config, ctx) => {
    if (!config.enabled) return;
    if (!config.baseUrl)
      ctx.addIssue({ code: "custom", path: ["baseUrl"], message: "baseUrl is required when zammad is enabled" });
    if (!config.group) ctx.addIssue({ code: "custom", path: ["group"], message: "group is required when zammad is enabled" });
    if (!config.customer) {
      ctx.addIssue({
        code: "custom",
        path: ["customer"],
        message: "customer is required when zammad is enabled (e.g. guess:sluice@example.com)",
      });
    }
    if (config.token && config.oauthToken) {
      ctx.addIssue({ code: "custom", path: ["oauthToken"], message: "set either token or oauthToken, not both" });
    } else if (!config.token && !config.oauthToken) {
      ctx.addIssue({ code: "custom", path: [], message: "zammad is enabled but has no credentials: set token (or oauthToken)" });
    }
  })
  .default({ enabled: false, tags: ["sluice"] });

/** The validated `zammad` block. */
export type ZammadConfig = z.infer<typeof zammadConfig>;

/** Settings of a valid, enabled block; throws for a block the schema would have refused. */
export function zammadSettings(config: ZammadConfig): ZammadSettings {
  if (!config.baseUrl || !config.group || !config.customer) throw new Error("zammad connector needs baseUrl, group and customer");
  const auth: ZammadSettings["auth"] | null = config.token
    ? { kind: "token", token: config.token }
    : config.oauthToken
      ? { kind: "oauth", token: config.oauthToken }
      : null;
  if (!auth) throw new Error("zammad connector needs token or oauthToken");
  const baseUrl = config.baseUrl.replace(/\/+$/, "");
  return {
    baseUrl,
    apiBaseUrl: (config.apiBaseUrl ?? `${baseUrl}/api/v1`).replace(/\/+$/, ""),
    auth,
    group: config.group,
    customer: config.customer,
    priorities: { ...DEFAULT_PRIORITIES, ...stripUndefined(config.priorities ?? {}) },
    tags: config.tags,
    templates: config.templates ?? {},
  };
}

function stripUndefined<T extends object>(value: T): Partial<Record<keyof T, string>> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<Record<keyof T, string>>;
}

export const zammadFactory: ConnectorFactory<typeof zammadConfig> = {
  platform: "zammad",
  configSchema: zammadConfig,
  secretFields: ["token", "oauthToken", "webhookSecret"],
  catalog: zammadCatalogDestination,
  isEnabled: (config) => config.enabled,
  create: (config, deps) => new ZammadConnector(zammadSettings(config), deps),
  // Without the webhook's signature token nothing proves a request came from Zammad.
  createSyncHandler: (config, deps) =>
    config.webhookSecret
      ? new ZammadSync(
          {
            webhookSecret: config.webhookSecret,
            maxAgeSeconds: config.sync?.maxAgeSeconds ?? DEFAULT_ZAMMAD_MAX_AGE_SECONDS,
            closedStates: config.sync?.closedStates ?? DEFAULT_CLOSED_STATES,
            openStates: config.sync?.openStates ?? DEFAULT_OPEN_STATES,
            ignoreUsers: config.sync?.ignoreUsers ?? [],
          },
          deps.clock,
        )
      : null,
};
