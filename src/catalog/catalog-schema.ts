import { z } from "zod";

const name = z.string().trim().min(1);
const url = z.url({ protocol: /^https?$/, error: "must be an http or https URL" });

/** One service as written in a Sluice catalog file. */
export const catalogServiceSchema = z.strictObject({
  service: name.describe("Service name as signals carry it."),
  aliases: z.array(name).default([]).describe("Other names signals use for the same service."),
  team: name.describe("Owning team; routing rules can match it."),
  tier: z
    .union([z.string().min(1), z.number()])
    .transform(String)
    .optional(),
  description: z.string().optional(),
  runbook: url.optional(),
  dashboards: z.array(z.strictObject({ title: name, url })).default([]),
  slackChannel: name.optional().describe("Channel name or id (Slack bot-token mode)."),
  jira: z
    .strictObject({ projectKey: z.string().regex(/^[A-Z][A-Z0-9_]+$/, "must be a Jira project key such as PAY") })
    .optional(),
  servicenow: z
    .strictObject({ assignmentGroup: name.optional(), configurationItem: name.optional() })
    .refine((value) => value.assignmentGroup !== undefined || value.configurationItem !== undefined, {
      message: "give assignmentGroup, configurationItem or both",
    })
    .optional(),
  opsgenie: z.strictObject({ team: name }).optional(),
  jsm: z.strictObject({ team: name }).optional(),
  pagerduty: z
    .strictObject({ routingKey: z.string().regex(/^[A-Za-z0-9]{32}$/, "must be a 32-character Events API v2 routing key") })
    .optional(),
  zammad: z.strictObject({ group: name }).optional(),
  escalation: name.optional().describe("An escalation policy name or free text for responders."),
  dependsOn: z.array(name).default([]).describe("Services this one calls; their changes are relevant to its incidents."),
});

export type CatalogServiceInput = z.infer<typeof catalogServiceSchema>;
