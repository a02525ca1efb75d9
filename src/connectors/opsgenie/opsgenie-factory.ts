import { z } from "zod";
import { headerSecrets } from "../../core/scrub.ts";
import type { ConnectorFactory } from "../connector.ts";
import { opsgenieCatalogDestination } from "./catalog-destination.ts";
import { httpUrl, responder, respondersFrom, sharedAlertFields, webhookToken } from "./opsgenie-config.ts";
import { OpsgenieConnector, type OpsgenieSettings } from "./opsgenie-connector.ts";
import { OpsgenieSync } from "./opsgenie-sync.ts";

export const OPSGENIE_BASE_URLS = { us: "https://api.opsgenie.com", eu: "https://api.eu.opsgenie.com" } as const;

const opsgenieConfig = z
  .strictObject({
    ...sharedAlertFields,
    enabled: sharedAlertFields.enabled.describe("Raise Opsgenie alerts."),
    apiKey: z.string().min(1).optional().describe("API integration key (sent as `Authorization: GenieKey <key>`)."),
    region: z.enum(["us", "eu"]).default("us").describe("Opsgenie instance: us (api.opsgenie.com) or eu (api.eu.opsgenie.com)."),
    webhookToken,
    baseUrl: httpUrl.optional().describe("Overrides the region's API URL (proxy, mock)."),
  })
  .superRefine((config, ctx) => {
    if (config.enabled && !config.apiKey) {
      ctx.addIssue({
        code: "custom",
        path: ["apiKey"],
        message: "apiKey is required when opsgenie is enabled (an API integration key)",
      });
    }
  })
  .default({ enabled: false, region: "us", tags: [], requestStatusAttempts: 4, requestStatusDelayMs: 500, templates: {} });

/** The validated `opsgenie` block. */
export type OpsgenieConfig = z.infer<typeof opsgenieConfig>;

/** Settings from a valid, enabled block; throws for a block the schema would have refused. */
export function opsgenieSettings(config: OpsgenieConfig): OpsgenieSettings {
  if (!config.apiKey) throw new Error("opsgenie connector needs an apiKey");
  const authorization = `GenieKey ${config.apiKey}`;
  return {
    flavour: "opsgenie",
    baseUrl: (config.baseUrl ?? OPSGENIE_BASE_URLS[config.region]).replace(/\/+$/, ""),
    authorization,
    secrets: [config.apiKey, ...headerSecrets([authorization])],
    responders: respondersFrom(config, "opsgenie"),
    escalation: config.escalation ? responder("escalation", config.escalation, "opsgenie") : null,
    tags: config.tags,
    requestStatusAttempts: config.requestStatusAttempts,
    requestStatusDelayMs: config.requestStatusDelayMs,
    templates: config.templates,
  };
}

export const opsgenieFactory: ConnectorFactory<typeof opsgenieConfig> = {
  platform: "opsgenie",
  configSchema: opsgenieConfig,
  secretFields: ["apiKey", "webhookToken"],
  catalog: opsgenieCatalogDestination,
  isEnabled: (config) => config.enabled,
  create: (config, deps) => new OpsgenieConnector(opsgenieSettings(config), deps),
  // The webhook is unsigned: without a shared token nothing proves a request came from Opsgenie.
  createSyncHandler: (config) => (config.webhookToken ? new OpsgenieSync("opsgenie", config.webhookToken) : null),
};
