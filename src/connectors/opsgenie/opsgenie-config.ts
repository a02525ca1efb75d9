import { z } from "zod";
import { templateProblem } from "../ticket-text.ts";
import type { OpsgenieFlavour, OpsgenieResponder } from "./transform.ts";

const template = z
  .string()
  .superRefine((source, ctx) => {
    const problem = templateProblem(source);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .optional();

/** Keys the `opsgenie` and `jsm` blocks share. */
export const sharedAlertFields = {
  enabled: z.boolean().default(false),
  team: z.string().min(1).optional().describe("Team the alert is routed to (Opsgenie: name; JSM Ops: team id)."),
  escalation: z
    .string()
    .min(1)
    .optional()
    .describe("Escalation policy notified, and moved to its next rule on escalate (Opsgenie: name; JSM Ops: id)."),
  schedule: z.string().min(1).optional().describe("On-call schedule notified (Opsgenie: name; JSM Ops: id)."),
  tags: z.array(z.string().min(1).max(50)).max(16).default([]).describe("Extra alert tags."),
  requestStatusAttempts: z
    .number()
    .int()
    .min(1)
    .max(10)
    .default(4)
    .describe("How often to ask for the outcome of an asynchronous create before retrying it later."),
  requestStatusDelayMs: z
    .number()
    .int()
    .min(0)
    .max(10_000)
    .default(500)
    .describe("Wait before the 2nd status check; grows linearly."),
  templates: z
    .strictObject({ title: template, body: template })
    .default({})
    .describe("Liquid overrides of the alert message (title, cut to 130 characters) and description (body)."),
};

/** `webhookToken`: the shared token the platform's outgoing webhook sends back (it signs nothing). */
export const webhookToken = z
  .string()
  .min(16, "use at least 16 random characters")
  .optional()
  .describe(
    "Shared token for inbound sync (POST /api/v1/sync/<platform>): sent by the outgoing webhook as the X-Sluice-Token header or as the basic-auth password.",
  );

export const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http or https URL" });

/** Responders from the team / escalation / schedule keys: Opsgenie takes names, JSM Ops ids. */
export function respondersFrom(
  config: { team?: string | undefined; escalation?: string | undefined; schedule?: string | undefined },
  flavour: OpsgenieFlavour,
): OpsgenieResponder[] {
  const entries: [OpsgenieResponder["type"], string | undefined][] = [
    ["team", config.team],
    ["escalation", config.escalation],
    ["schedule", config.schedule],
  ];
  return entries.flatMap(([type, value]) => (value ? [responder(type, value, flavour)] : []));
}

export function responder(type: OpsgenieResponder["type"], value: string, flavour: OpsgenieFlavour): OpsgenieResponder {
  return flavour === "jsm" ? { type, id: value } : { type, name: value };
}
