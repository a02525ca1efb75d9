import { z } from "zod";
import { LIFECYCLE_ACTIONS } from "../../core/incident.ts";
import { SEVERITIES } from "../../core/signal.ts";
import type { ConnectorFactory } from "../connector.ts";
import { templateProblem } from "../ticket-text.ts";
import { jiraCatalogDestination } from "./catalog-destination.ts";
import { CUSTOM_FIELD_ID, type CustomFieldValue, customFieldProblem } from "./custom-fields.ts";
import { JiraConnector } from "./jira-connector.ts";
import {
  type AssigneeRule,
  DEFAULT_ISSUE_TYPE,
  DEFAULT_PRIORITIES,
  DEFAULT_TRANSITIONS,
  type JiraAuth,
  type JiraSettings,
} from "./jira-settings.ts";
import { DEFAULT_JIRA_MAX_AGE_SECONDS, JiraSync } from "./jira-sync.ts";

const severity = z.enum(SEVERITIES);
const names = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
const template = z
  .string()
  .superRefine((source, ctx) => {
    const problem = templateProblem(source);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .optional();

// No defaults besides `enabled`: the block parses to exactly what was written (the ticketing-agent
// and Helm files compare equal after loading); jiraSettings applies the documented defaults.
const jiraConfig = z
  .strictObject({
    enabled: z.boolean().default(false).describe("Open and update Jira issues."),
    deployment: z
      .enum(["cloud", "server"])
      .optional()
      .describe(
        "cloud (default): REST v3 with Atlassian Document Format; server: Server / Data Center REST v2 with wiki markup.",
      ),
    baseUrl: z
      .url({ protocol: /^https?$/, error: "must be an http or https URL" })
      .optional()
      .describe("Site URL, e.g. https://acme.atlassian.net or https://jira.example.com/jira; required when enabled."),
    email: z.string().min(1).optional().describe("Cloud: the Atlassian account's e-mail (Basic auth with apiToken)."),
    apiToken: z.string().min(1).optional().describe("Cloud: API token of that account."),
    personalAccessToken: z.string().min(1).optional().describe("Server / Data Center: personal access token (Bearer)."),
    username: z.string().min(1).optional().describe("Server / Data Center: user for Basic auth (with password)."),
    password: z.string().min(1).optional().describe("Server / Data Center: password for Basic auth."),
    projectKey: z.string().min(1).optional().describe("Project of new issues; required when enabled."),
    issueType: z.string().min(1).optional().describe('Issue type of new issues (default "Bug").'),
    bySeverity: z
      .partialRecord(
        severity,
        z.strictObject({ projectKey: z.string().min(1).optional(), issueType: z.string().min(1).optional() }),
      )
      .optional()
      .describe("Project and issue type per severity, e.g. {critical: {projectKey: OPS, issueType: Incident}}."),
    priorities: z
      .union([z.literal(false), z.partialRecord(severity, z.string().min(1))])
      .optional()
      .describe("Jira priority name per severity (default Highest/High/Medium/Low/Lowest); false sends no priority."),
    labels: z
      .array(z.string().regex(/^\S+$/, "Jira labels cannot be empty or contain spaces"))
      .optional()
      .describe("Labels on every new issue; Sluice adds sluice-<idempotency key> itself."),
    components: z.array(z.string().min(1)).optional().describe("Component names on every new issue."),
    assignee: z
      .discriminatedUnion("mode", [
        z.strictObject({
          mode: z.literal("fixed"),
          accountId: z.string().min(1).optional().describe("Cloud account id."),
          name: z.string().min(1).optional().describe("Server / Data Center user name."),
        }),
        z.strictObject({ mode: z.literal("component-lead") }),
        z.strictObject({ mode: z.literal("unassigned") }),
      ])
      .optional()
      .describe("fixed (accountId on Cloud, name on Server), component-lead (default: Jira's default assignee) or unassigned."),
    customFields: z
      .record(z.string(), z.json())
      .optional()
      .describe('Custom fields of new issues; strings are Liquid templates, e.g. customfield_10010: "{{ incident.service }}".'),
    rootCauseField: z
      .string()
      .regex(/^customfield_\d+$/, "must be a custom field id such as customfield_10080")
      .optional()
      .describe(
        "Custom field (single-line text) that an investigation's root cause is written to when it asserts one (default: none; the comment always carries it).",
      ),
    transitions: z
      .strictObject({ resolve: names.optional(), reopen: names.optional(), acknowledge: names.optional() })
      .optional()
      .describe(
        'Transition names (or lists, first available wins): resolve (default "Done"), reopen (default "Reopen"), acknowledge (default none).',
      ),
    templates: z
      .strictObject({ title: template, body: template })
      .optional()
      .describe("Liquid overrides of the summary and description."),
    webhookSecret: z
      .string()
      .min(16, "use at least 16 characters so the HMAC key cannot be guessed")
      .optional()
      .describe(
        "Secret of a Jira webhook posting to /api/v1/sync/jira (X-Hub-Signature: sha256=...); when set, status changes and comments in Jira reach Sluice.",
      ),
    sync: z
      .strictObject({
        statusMap: z
          .record(z.string().min(1), z.enum([...LIFECYCLE_ACTIONS, "ignore"]))
          .optional()
          .describe(
            'Jira status name → acknowledge | resolve | escalate | reopen | ignore, e.g. {"Done": "resolve", "In Progress": "acknowledge"}; unlisted statuses go by category (Done resolves, In Progress acknowledges, To Do reopens).',
          ),
        maxAgeSeconds: z
          .number()
          .int()
          .min(60)
          .optional()
          .describe(`Refuse webhooks whose signed timestamp is older than this (default ${DEFAULT_JIRA_MAX_AGE_SECONDS}).`),
        ignoreUsers: z
          .array(z.string().min(1))
          .optional()
          .describe("Account ids or user names whose changes are Sluice's own (its API user); their events are skipped."),
      })
      .optional()
      .describe("Inbound sync options (needs webhookSecret)."),
  })
  .superRefine((config, ctx) => {
    const deployment = config.deployment ?? "cloud";
    const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
    for (const [id, value] of Object.entries(config.customFields ?? {})) {
      // Checked here rather than in the key schema so the message reaches the user (zod says "Invalid key").
      if (!CUSTOM_FIELD_ID.test(id)) {
        ctx.addIssue({
          code: "custom",
          path: ["customFields", id],
          message: "must be a custom field id such as customfield_10010",
        });
        continue;
      }
      const problem = customFieldProblem(value as CustomFieldValue);
      if (problem) ctx.addIssue({ code: "custom", path: ["customFields", id], message: problem });
    }
    if (deployment === "cloud") {
      for (const field of ["personalAccessToken", "username", "password"] as const) {
        if (config[field] !== undefined) issue(field, `${field} is for deployment: server; Jira Cloud uses email and apiToken`);
      }
      if ((config.email === undefined) !== (config.apiToken === undefined)) {
        issue(config.email === undefined ? "email" : "apiToken", "Jira Cloud needs both email and apiToken");
      }
    } else {
      for (const field of ["email", "apiToken"] as const) {
        if (config[field] !== undefined)
          issue(field, `${field} is for Jira Cloud; on server use personalAccessToken, or username and password`);
      }
      if ((config.username === undefined) !== (config.password === undefined)) {
        issue(config.username === undefined ? "username" : "password", "Basic auth needs both username and password");
      }
      if (config.personalAccessToken !== undefined && config.username !== undefined) {
        issue("personalAccessToken", "set either personalAccessToken or username and password, not both");
      }
    }
    if (config.assignee?.mode === "fixed") {
      if (deployment === "cloud" && !config.assignee.accountId) {
        ctx.addIssue({
          code: "custom",
          path: ["assignee", "accountId"],
          message: "a fixed assignee on Jira Cloud needs accountId",
        });
      }
      if (deployment === "server" && !config.assignee.name) {
        ctx.addIssue({ code: "custom", path: ["assignee", "name"], message: "a fixed assignee on Jira Server needs name" });
      }
    }
    if (!config.enabled) return;
    if (!config.baseUrl) issue("baseUrl", "baseUrl is required when jira is enabled (e.g. https://acme.atlassian.net)");
    if (!config.projectKey) issue("projectKey", "projectKey is required when jira is enabled");
  })
  .default({ enabled: false });

/** The validated `jira` block. */
export type JiraConfig = z.infer<typeof jiraConfig>;

/** The connector's settings: a valid, enabled block with every default applied. */
export function jiraSettings(config: JiraConfig): JiraSettings {
  if (!config.baseUrl || !config.projectKey) {
    throw new Error("jira connector needs baseUrl and projectKey; the config schema requires them when enabled");
  }
  const deployment = config.deployment ?? "cloud";
  const list = (value: string | string[] | undefined, fallback: readonly string[]) =>
    value === undefined ? fallback : typeof value === "string" ? [value] : value;
  return {
    deployment,
    baseUrl: config.baseUrl.replace(/\/+$/, ""),
    auth: authOf(config, deployment),
    projectKey: config.projectKey,
    issueType: config.issueType ?? DEFAULT_ISSUE_TYPE,
    bySeverity: config.bySeverity ?? {},
    priorities: config.priorities === false ? null : { ...DEFAULT_PRIORITIES, ...(config.priorities ?? {}) },
    labels: config.labels ?? [],
    components: config.components ?? [],
    assignee: (config.assignee ?? { mode: "component-lead" }) as AssigneeRule,
    customFields: (config.customFields ?? {}) as Record<string, CustomFieldValue>,
    rootCauseField: config.rootCauseField ?? null,
    transitions: {
      resolve: list(config.transitions?.resolve, DEFAULT_TRANSITIONS.resolve),
      reopen: list(config.transitions?.reopen, DEFAULT_TRANSITIONS.reopen),
      acknowledge: list(config.transitions?.acknowledge, DEFAULT_TRANSITIONS.acknowledge),
    },
    templates: config.templates ?? {},
  };
}

function authOf(config: JiraConfig, deployment: "cloud" | "server"): JiraAuth {
  if (deployment === "cloud") {
    return config.email && config.apiToken ? { kind: "basic", user: config.email, secret: config.apiToken } : null;
  }
  if (config.personalAccessToken) return { kind: "bearer", token: config.personalAccessToken };
  return config.username && config.password ? { kind: "basic", user: config.username, secret: config.password } : null;
}

export const jiraFactory: ConnectorFactory<typeof jiraConfig> = {
  platform: "jira",
  configSchema: jiraConfig,
  secretFields: ["apiToken", "personalAccessToken", "password", "webhookSecret"],
  catalog: jiraCatalogDestination,
  isEnabled: (config) => config.enabled,
  create: (config, deps) => new JiraConnector(jiraSettings(config), deps),
  // Without the webhook's secret nothing proves a request came from Jira.
  createSyncHandler: (config, deps) =>
    config.webhookSecret
      ? new JiraSync(
          {
            webhookSecret: config.webhookSecret,
            statusMap: config.sync?.statusMap ?? {},
            maxAgeSeconds: config.sync?.maxAgeSeconds ?? DEFAULT_JIRA_MAX_AGE_SECONDS,
            ignoreUsers: config.sync?.ignoreUsers ?? [],
          },
          deps.clock,
        )
      : null,
};
