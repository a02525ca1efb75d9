import { z } from "zod";
import { headerSecrets } from "../../core/scrub.ts";
import type { ConnectorFactory } from "../connector.ts";
import { jsmCatalogDestination } from "./catalog-destination.ts";
import { httpUrl, responder, respondersFrom, sharedAlertFields, webhookToken } from "./opsgenie-config.ts";
import { OpsgenieConnector, type OpsgenieSettings } from "./opsgenie-connector.ts";
import { OpsgenieSync } from "./opsgenie-sync.ts";

export const JSM_OPS_API_URL = "https://api.atlassian.com/jsm/ops/api";

const jsmConfig = z
  .strictObject({
    ...sharedAlertFields,
    enabled: sharedAlertFields.enabled.describe("Raise Jira Service Management Ops alerts (Opsgenie's successor)."),
    cloudId: z
      .string()
      .min(1)
      .optional()
      .describe("Atlassian site cloud id; the API URL is https://api.atlassian.com/jsm/ops/api/<cloudId>."),
    email: z.email().optional().describe("Atlassian account e-mail the API token belongs to."),
    apiToken: z.string().min(1).optional().describe("Atlassian API token (Basic auth with email)."),
    webhookToken,
    baseUrl: httpUrl.optional().describe("Overrides the API URL including the cloud id (proxy, mock)."),
  })
  .superRefine((config, ctx) => {
    if (!config.enabled) return;
    if (!config.cloudId && !config.baseUrl) {
      ctx.addIssue({
        code: "custom",
        path: ["cloudId"],
        message: "cloudId is required when jsm is enabled (or a baseUrl that includes it)",
      });
    }
    for (const key of ["email", "apiToken"] as const) {
      if (!config[key])
        ctx.addIssue({ code: "custom", path: [key], message: `${key} is required when jsm is enabled (Basic auth)` });
    }
  })
  .default({ enabled: false, tags: [], requestStatusAttempts: 4, requestStatusDelayMs: 500, templates: {} });

/** The validated `jsm` block. */
export type JsmConfig = z.infer<typeof jsmConfig>;

/** Settings from a valid, enabled block; throws for a block the schema would have refused. */
export function jsmSettings(config: JsmConfig): OpsgenieSettings {
  if (!config.email || !config.apiToken || !(config.cloudId || config.baseUrl)) {
    throw new Error("jsm connector needs cloudId (or baseUrl), email and apiToken");
  }
  const basic = Buffer.from(`${config.email}:${config.apiToken}`).toString("base64");
  const authorization = `Basic ${basic}`;
  return {
    flavour: "jsm",
    baseUrl: (config.baseUrl ?? `${JSM_OPS_API_URL}/${encodeURIComponent(config.cloudId ?? "")}`).replace(/\/+$/, ""),
    authorization,
    secrets: [config.apiToken, ...headerSecrets([authorization])],
    responders: respondersFrom(config, "jsm"),
    escalation: config.escalation ? responder("escalation", config.escalation, "jsm") : null,
    tags: config.tags,
    requestStatusAttempts: config.requestStatusAttempts,
    requestStatusDelayMs: config.requestStatusDelayMs,
    templates: config.templates,
  };
}

export const jsmFactory: ConnectorFactory<typeof jsmConfig> = {
  platform: "jsm",
  configSchema: jsmConfig,
  secretFields: ["apiToken", "webhookToken"],
  catalog: jsmCatalogDestination,
  isEnabled: (config) => config.enabled,
  create: (config, deps) => new OpsgenieConnector(jsmSettings(config), deps),
  // The webhook is unsigned: without a shared token nothing proves a request came from JSM Ops.
  createSyncHandler: (config) => (config.webhookToken ? new OpsgenieSync("jsm", config.webhookToken) : null),
};
