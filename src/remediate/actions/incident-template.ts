import { type PLAIN_TEMPLATE_FIELDS, TEMPLATE_FIELD } from "../../config/action-template-field.ts";
import type { ActionIncident } from "./action.ts";

// Checked when the config loads (src/config/action-template-field.ts); filled here when an action runs.
export { templateField, templateProblem } from "../../config/action-template-field.ts";

/** Raised when an incident lacks a field a template needs; the action then fails without acting. */
export class TemplateError extends Error {}

/** Fills a template from the incident; a label the incident does not carry is an error, never "". */
export function renderTemplate(template: string, incident: ActionIncident): string {
  return template.replace(TEMPLATE_FIELD, (_whole, name: string) => {
    if (name.startsWith("labels.")) {
      const label = name.slice("labels.".length);
      const value = Object.hasOwn(incident.labels, label) ? incident.labels[label] : undefined;
      if (value === undefined || value === "") throw new TemplateError(`the incident has no label "${label}"`);
      return value;
    }
    const value = incident[name as (typeof PLAIN_TEMPLATE_FIELDS)[number]];
    if (typeof value !== "string" || value === "") throw new TemplateError(`the incident has no ${name}`);
    return value;
  });
}

/** Whether a template is a constant (names no incident field). */
export function isConstant(template: string): boolean {
  return !new RegExp(TEMPLATE_FIELD.source).test(template);
}
