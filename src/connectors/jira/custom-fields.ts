import { Liquid, type Template } from "liquidjs";
import type { DeliveryRequest } from "../connector.ts";
import { templateScope } from "../ticket-text.ts";

/** A custom field's configured value: strings are Liquid templates, anything else is sent as it is. */
export type CustomFieldValue = string | number | boolean | null | CustomFieldValue[] | { [key: string]: CustomFieldValue };

/** The same value with every string parsed, so a broken template fails at start-up, not at delivery. */
export type CompiledFieldValue =
  | { kind: "template"; template: Template[] }
  | { kind: "literal"; value: number | boolean | null }
  | { kind: "list"; items: CompiledFieldValue[] }
  | { kind: "object"; entries: [string, CompiledFieldValue][] };

// The same settings as ticket-text.ts: plain-text output, unknown filters are errors.
const engine = new Liquid({ strictFilters: true, outputEscape: undefined, cache: true });

/** Jira's id for a custom field; anything else would be a system field Sluice already sets. */
export const CUSTOM_FIELD_ID = /^customfield_\d+$/;

/** Parses every template in the custom-field map up front. */
export function compileCustomFields(fields: Record<string, CustomFieldValue>): Record<string, CompiledFieldValue> {
  return Object.fromEntries(Object.entries(fields).map(([id, value]) => [id, compileValue(value)]));
}

function compileValue(value: CustomFieldValue): CompiledFieldValue {
  if (typeof value === "string") return { kind: "template", template: engine.parse(value) };
  if (Array.isArray(value)) return { kind: "list", items: value.map(compileValue) };
  if (value !== null && typeof value === "object") {
    return { kind: "object", entries: Object.entries(value).map(([key, inner]) => [key, compileValue(inner)]) };
  }
  return { kind: "literal", value };
}

/** Renders the custom fields for one delivery (synchronously, so transforms stay pure). */
export function renderCustomFields(
  compiled: Record<string, CompiledFieldValue>,
  request: Pick<DeliveryRequest, "incident" | "detail" | "incidentUrl" | "action">,
): Record<string, unknown> {
  const scope = templateScope(request);
  return Object.fromEntries(Object.entries(compiled).map(([id, value]) => [id, renderValue(value, scope)]));
}

function renderValue(value: CompiledFieldValue, scope: object): unknown {
  switch (value.kind) {
    case "template":
      return engine.renderSync(value.template, scope).trim();
    case "literal":
      return value.value;
    case "list":
      return value.items.map((item) => renderValue(item, scope));
    case "object":
      return Object.fromEntries(value.entries.map(([key, inner]) => [key, renderValue(inner, scope)]));
  }
}

/** The first template in a custom-field value that does not parse, for the config schema. */
export function customFieldProblem(value: CustomFieldValue): string | undefined {
  try {
    compileValue(value);
    return undefined;
  } catch (error) {
    return `not a valid Liquid template: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`;
  }
}
