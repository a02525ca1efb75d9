import type { ActionIncident } from "./actions/action.ts";

const PLACEHOLDER = /\{\{\s*([a-zA-Z]+(?:\.[A-Za-z0-9_.-]+)?)\s*\}\}/g;

/**
 * The value of one placeholder: only the matcher's fields of the incident, never its title, summary or anything
 * an LLM or a signal's free text wrote. An unknown placeholder is an error, not an empty string.
 */
function field(incident: ActionIncident, name: string): string {
  if (name.startsWith("labels.")) {
    const value = incident.labels[name.slice(7)];
    if (value === undefined) throw new Error(`the incident has no label ${name.slice(7)} for {{${name}}}`);
    return value;
  }
  switch (name) {
    case "service":
      return incident.service;
    case "environment":
      return incident.environment;
    case "severity":
      return incident.severity;
    case "key":
      return incident.key;
    case "id":
      return incident.id;
    default:
      throw new Error(`unknown placeholder {{${name}}} (use service, environment, severity, key, id or labels.<name>)`);
  }
}

/** Replaces {{…}} placeholders, each value passed through `encode` (URL-encoding, PromQL quoting). */
export function fill(template: string, incident: ActionIncident, encode: (value: string) => string = (v) => v): string {
  return template.replace(PLACEHOLDER, (_whole, name: string) => encode(field(incident, name)));
}

/** A JSON value with every string in it filled; keys and structure stay as configured. */
export function fillJson(value: unknown, incident: ActionIncident): unknown {
  if (typeof value === "string") return fill(value, incident);
  if (Array.isArray(value)) return value.map((item) => fillJson(item, incident));
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fillJson(item, incident)]));
  return value;
}

/** For a value inside a PromQL double-quoted string: backslashes and quotes escaped. */
export function promqlString(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}
