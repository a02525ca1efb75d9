import { z } from "zod";
import type { ConnectorFactory } from "../connector.ts";
import { templateProblem } from "../ticket-text.ts";
import { servicenowCatalogDestination } from "./catalog-destination.ts";
import { ServiceNowConnector, type ServiceNowSettings } from "./servicenow-connector.ts";
import { ServiceNowPoller } from "./servicenow-poller.ts";
import { ServiceNowSync } from "./servicenow-sync.ts";

export const DEFAULT_CLOSE_CODE = "Solved (Permanently)";

const liquid = z.string().superRefine((source, ctx) => {
  const problem = templateProblem(source);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const servicenowConfig = z
  .strictObject({
    enabled: z.boolean().default(false).describe("Open ServiceNow incidents through the Table API."),
    instance: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/i, "the instance name only, e.g. acme for https://acme.service-now.com")
      .optional()
      .describe("Instance name: Sluice talks to https://<instance>.service-now.com."),
    baseUrl: z
      .url({ protocol: /^https?$/, error: "must be an http or https URL" })
      .optional()
      .describe("Explicit base URL (custom domain, proxy, mock); wins over instance."),
    username: z.string().min(1).optional().describe("Basic auth: integration user (needs itil or incident write)."),
    password: z.string().min(1).optional().describe("Basic auth: its password."),
    token: z.string().min(1).optional().describe("OAuth access token, sent as Bearer (instead of username/password)."),
    assignmentGroup: z.string().min(1).optional().describe("assignment_group (sys_id, or name when the instance accepts it)."),
    cmdbCi: z.string().min(1).optional().describe("cmdb_ci (sys_id) of the affected configuration item."),
    callerId: z.string().min(1).optional().describe("caller_id (sys_id) of the user incidents are opened for."),
    category: z.string().min(1).optional().describe("category choice value, e.g. software."),
    closeCode: z
      .string()
      .min(1)
      .default(DEFAULT_CLOSE_CODE)
      .describe('close_code on resolve; newer instances use e.g. "Solution provided".'),
    closeNotes: liquid.optional().describe("close_notes on resolve (Liquid, same scope as templates)."),
    reopenState: z
      .enum(["new", "in-progress"])
      .default("in-progress")
      .describe("State on reopen: in-progress (2, as the base Reopen action) or new (1)."),
    templates: z
      .strictObject({ title: liquid.optional(), body: liquid.optional() })
      .optional()
      .describe("Liquid overrides of short_description (title) and description (body)."),
    webhookToken: z
      .string()
      .min(16, "use at least 16 random characters")
      .optional()
      .describe(
        "Shared token for inbound sync (POST /api/v1/sync/servicenow): the business rule's outbound REST message sends it as the X-Sluice-Token header.",
      ),
    pollIntervalSeconds: z
      .number()
      .int()
      .min(10)
      .optional()
      .describe(
        "Poll linked incidents for changes (sys_updated_on) this often, for instances that cannot call Sluice; off when absent.",
      ),
    integrationUser: z
      .string()
      .min(1)
      .optional()
      .describe(
        "user_name Sluice writes as (defaults to username); inbound messages with this sys_updated_by are Sluice's own changes and are ignored.",
      ),
  })
  .superRefine((config, ctx) => {
    if (!config.enabled) return;
    if (!config.instance && !config.baseUrl) {
      ctx.addIssue({
        code: "custom",
        path: ["instance"],
        message: "set instance (e.g. acme) or baseUrl when servicenow is enabled",
      });
    }
    const basic = config.username !== undefined || config.password !== undefined;
    if (basic && config.token !== undefined) {
      ctx.addIssue({ code: "custom", path: ["token"], message: "set either username + password or token, not both" });
    } else if (!basic && config.token === undefined) {
      ctx.addIssue({
        code: "custom",
        path: [],
        message: "servicenow is enabled but has no credentials: set username + password, or token",
      });
    } else if (config.webhookToken !== undefined && !basic && config.integrationUser === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["integrationUser"],
        message:
          "integrationUser is required with token and webhookToken: without it Sluice's own updates come back as changes from ServiceNow",
      });
    } else if (basic && (config.username === undefined || config.password === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: [config.username === undefined ? "username" : "password"],
        message: "username and password go together",
      });
    }
  })
  .default({ enabled: false, closeCode: DEFAULT_CLOSE_CODE, reopenState: "in-progress" });

/** The validated `servicenow` block. */
export type ServiceNowConfig = z.infer<typeof servicenowConfig>;

/** Settings of a valid, enabled block; throws for a block the schema would have refused. */
export function servicenowSettings(config: ServiceNowConfig): ServiceNowSettings {
  const base = config.baseUrl ?? (config.instance ? `https://${config.instance}.service-now.com` : undefined);
  if (!base) throw new Error("servicenow connector needs instance or baseUrl");
  let auth: ServiceNowSettings["auth"];
  if (config.token) auth = { kind: "bearer", token: config.token };
  else if (config.username && config.password) auth = { kind: "basic", username: config.username, password: config.password };
  else throw new Error("servicenow connector needs username + password or token");
  return {
    baseUrl: base.replace(/\/+$/, ""),
    auth,
    assignmentGroup: config.assignmentGroup,
    cmdbCi: config.cmdbCi,
    callerId: config.callerId,
    category: config.category,
    closeCode: config.closeCode,
    closeNotes: config.closeNotes,
    reopenState: config.reopenState === "new" ? "1" : "2",
    templates: config.templates ?? {},
  };
}

export const servicenowFactory: ConnectorFactory<typeof servicenowConfig> = {
  platform: "servicenow",
  configSchema: servicenowConfig,
  secretFields: ["password", "token", "webhookToken"],
  catalog: servicenowCatalogDestination,
  isEnabled: (config) => config.enabled,
  create: (config, deps) => new ServiceNowConnector(servicenowSettings(config), deps),
  // The outbound REST message is unsigned: without a shared token nothing proves it came from the instance.
  createSyncHandler: (config) =>
    config.webhookToken ? new ServiceNowSync(config.webhookToken, config.integrationUser ?? config.username ?? null) : null,
  createPoller: (config, deps) =>
    config.pollIntervalSeconds
      ? new ServiceNowPoller(
          servicenowSettings(config),
          deps,
          config.pollIntervalSeconds * 1000,
          config.integrationUser ?? config.username ?? null,
        )
      : null,
};
