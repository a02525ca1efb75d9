import { Liquid, type Template } from "liquidjs";
import type { DeliveryRequest } from "./connector.ts";
import { renderContext } from "./ticket-context.ts";

/** Title and body a connector puts on a ticket; users override either per platform (Liquid). */
export interface TicketTemplates {
  title?: string | undefined;
  body?: string | undefined;
}

export const DEFAULT_TITLE = "[{{ incident.priority }}] {{ incident.key }}: {{ incident.title }}";

export const DEFAULT_BODY = `{{ incident.summary }}

Service: {{ incident.service }} ({{ incident.environment }}, tenant {{ incident.tenant }})
Severity: {{ incident.severity }} ({{ incident.priority }}), state: {{ incident.state }}
Signals: {{ incident.signalCount }}, first seen {{ firstSeen }}, last seen {{ lastSeen }}
Error pattern: {{ incident.errorPattern }}
Routed by: {{ incident.matchedRule }}
{% if enrichment != "" %}
{{ enrichment }}
{% endif %}{% if detail != "" %}
{{ detail }}
{% endif %}{% if incidentUrl %}
Sluice: {{ incidentUrl }}
{% endif %}`;

// Output is plain text for the platform to escape as its format needs; HTML escaping would mangle it.
const engine = new Liquid({ strictFilters: true, outputEscape: undefined, cache: true });

/** Parses templates up front so a broken override fails at start-up (and in check-config), not at delivery. */
export function compileTemplates(templates: TicketTemplates = {}): { title: Template[]; body: Template[] } {
  return { title: engine.parse(templates.title ?? DEFAULT_TITLE), body: engine.parse(templates.body ?? DEFAULT_BODY) };
}

/** The variables every template sees. */
export function templateScope(request: Pick<DeliveryRequest, "incident" | "detail" | "incidentUrl" | "action">) {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    incident: request.incident,
    action: request.action,
    detail: request.detail,
    incidentUrl: request.incidentUrl,
    /** The enrichment sections as text; templates that want their own layout use `incident.context`. */
    enrichment: renderContext(request.incident.context),
    firstSeen: iso(request.incident.firstSeenAt),
    lastSeen: iso(request.incident.lastSeenAt),
  };
}

/** Renders title and body for one delivery; synchronous, so transforms stay pure functions. */
export function renderTicketText(
  compiled: { title: Template[]; body: Template[] },
  request: Pick<DeliveryRequest, "incident" | "detail" | "incidentUrl" | "action">,
): { title: string; body: string } {
  const scope = templateScope(request);
  return {
    title: engine.renderSync(compiled.title, scope).trim().slice(0, 255),
    body: engine
      .renderSync(compiled.body, scope)
      .replace(/\n{3,}/g, "\n\n")
      .trim(),
  };
}

/** The zod-friendly check used by connector config schemas: undefined when the template parses. */
export function templateProblem(source: string): string | undefined {
  try {
    engine.parse(source);
    return undefined;
  } catch (error) {
    return `not a valid Liquid template: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`;
  }
}
