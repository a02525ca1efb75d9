import { z } from "zod";
import type { ActionIncident } from "./action.ts";

/**
 * Templates of action parameters ("{{service}}", "restart-{{labels.pod}}"). They may name only the
 * incident's matcher fields: never a title, a summary or anything else free text or an LLM could write.
 */
const FIELD = /\{\{\s*([A-Za-z_][\w./-]*)\s*\}\}/g;
const PLAIN_FIELDS = ["id", "key", "service", "environment", "severity"] as const;

/** Why a template cannot be used, or null when every field it names is one an action may read. */
export function templateProblem(template: string): string | null {
  const stripped = template.replace(FIELD, "");
  if (stripped.includes("{{") || stripped.includes("}}")) return `"${template}" has a malformed {{field}}`;
  for (const match of template.matchAll(FIELD)) {
    const name = match[1] ?? "";
    if ((PLAIN_FIELDS as readonly string[]).includes(name)) continue;
    if (/^labels\.[\w./-]+$/.test(name)) continue;
    return `"${template}" names {{${name}}}; only ${PLAIN_FIELDS.join(", ")} and labels.<name> may be used`;
  }
  return null;
}

/** A config string that may carry incident-field templates, checked when the config is loaded. */
export function templateField(description: string) {
  return z
    .string()
    .min(1)
    .superRefine((value, ctx) => {
      const problem = templateProblem(value);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .describe(description);
}

/** Raised when an incident lacks a field a template needs; the action then fails without acting. */
export class TemplateError extends Error {}

/** Fills a template from the incident; a label the incident does not carry is an error, never "". */
export function renderTemplate(template: string, incident: ActionIncident): string {
  return template.replace(FIELD, (_whole, name: string) => {
    if (name.startsWith("labels.")) {
      const label = name.slice("labels.".length);
      const value = Object.hasOwn(incident.labels, label) ? incident.labels[label] : undefined;
      if (value === undefined || value === "") throw new TemplateError(`the incident has no label "${label}"`);
      return value;
    }
    const value = incident[name as (typeof PLAIN_FIELDS)[number]];
    if (typeof value !== "string" || value === "") throw new TemplateError(`the incident has no ${name}`);
    return value;
  });
}

/** Whether a template is a constant (names no incident field). */
export function isConstant(template: string): boolean {
  return !new RegExp(FIELD.source).test(template);
}
