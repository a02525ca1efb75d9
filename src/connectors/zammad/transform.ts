import type { DeliveryAction } from "../../core/delivery.ts";
import type { Incident } from "../../core/incident.ts";
import { SEVERITIES, type Severity } from "../../core/signal.ts";

/** A Zammad article Sluice writes: always an internal note, so customers are never mailed. */
export interface ZammadNote {
  subject: string;
  body: string;
  content_type: "text/plain";
  type: "note";
  internal: true;
}

/** The body of `POST /api/v1/tickets`. */
export interface ZammadTicketCreate {
  title: string;
  group: string;
  customer: string;
  customer_id?: string;
  priority: string;
  state: "new";
  tags: string;
  article: ZammadNote;
}

/** The body of `PUT /api/v1/tickets/{id}`: a state or priority change plus its note. */
export interface ZammadTicketUpdate {
  state?: string;
  priority?: string;
  article: ZammadNote;
}

/** Zammad's base-system priority names per severity ("1 low", "2 normal", "3 high"); overridable. */
export const DEFAULT_PRIORITIES: Record<Severity, string> = {
  critical: "3 high",
  high: "3 high",
  medium: "2 normal",
  low: "1 low",
  info: "1 low",
};

/** Where tickets go; from the `zammad` config block. */
export interface TicketDefaults {
  group: string;
  /** Login or e-mail of an existing customer, or `guess:<email>` to have Zammad find or create one. */
  customer: string;
  priorities: Record<Severity, string>;
  /** Tags every ticket gets besides the idempotency tag. */
  tags: readonly string[];
}

// Zammad's article body is a text column; very long notes are refused by some databases' row limits.
const NOTE_MAX = 60_000;
const TITLE_MAX = 250;

/**
 * The tag that marks the incident's ticket: the idempotency key itself, with the characters Zammad
 * splits tags on (comma) or a search query would break on (quotes, spaces) replaced.
 */
export function idempotencyTag(idempotencyKey: string): string {
  return idempotencyKey.replace(/[,"\s]+/g, "-");
}

/** The search query that finds the incident's ticket by its tag (needs Zammad's Elasticsearch index). */
export function tagQuery(idempotencyKey: string): string {
  return `tags:"${idempotencyTag(idempotencyKey)}"`;
}

/** Priority of an incident, raised one step per escalation level; derived, so a retry sets the same value. */
export function priorityFor(incident: Incident, priorities: Record<Severity, string>): string {
  // SEVERITIES runs most severe first.
  const index = Math.max(0, SEVERITIES.indexOf(incident.severity) - incident.escalationLevel);
  const severity = SEVERITIES[index] ?? incident.severity;
  return priorities[severity];
}

/** The create body: the ticket, its tags and the first article (an internal note with the incident body). */
export function createBody(
  incident: Incident,
  text: { title: string; body: string },
  idempotencyKey: string,
  defaults: TicketDefaults,
): ZammadTicketCreate {
  const tags = [...new Set([...defaults.tags, idempotencyTag(idempotencyKey)])].join(",");
  const title = cut(text.title, TITLE_MAX);
  const customer = customerFields(defaults.customer);
  return {
    title,
    // The owner's group from the service catalog wins over the configured one.
    group: incident.context?.destinations?.zammad?.group ?? defaults.group,
    ...customer,
    priority: priorityFor(incident, defaults.priorities),
    state: "new",
    tags,
    article: note(title, text.body),
  };
}

/**
 * `customer` must name an existing user; Zammad finds or creates the user only for `customer_id:
 * "guess:<email>"`. Both are sent for a guess: Zammad skips the `customer` lookup when `customer_id`
 * is set, and the API description requires `customer`.
 */
export function customerFields(customer: string): { customer: string; customer_id?: string } {
  return customer.startsWith("guess:") ? { customer: customer.slice("guess:".length), customer_id: customer } : { customer };
}

const HEADLINE: Record<DeliveryAction, string> = {
  create: "Opened in Sluice",
  update: "Updated in Sluice",
  acknowledge: "Acknowledged in Sluice",
  resolve: "Resolved in Sluice",
  escalate: "Escalated in Sluice",
  reopen: "Reopened in Sluice",
  comment: "Note from Sluice",
};

const STATE_AFTER: Partial<Record<DeliveryAction, string>> = {
  acknowledge: "open",
  resolve: "closed",
  reopen: "open",
};

/**
 * What a later change does: a ticket update (state or priority, with the note as its article) or,
 * for updates and comments, an article alone.
 */
export function changeFor(
  action: DeliveryAction,
  incident: Incident,
  note: { detail: string; body: string; incidentUrl: string | null },
  defaults: TicketDefaults,
): { kind: "ticket"; body: ZammadTicketUpdate } | { kind: "article"; body: ZammadNote } {
  const article = changeNote(action, incident, note.detail, action === "update" ? note.body : "", note.incidentUrl);
  const state = STATE_AFTER[action];
  if (state) return { kind: "ticket", body: { state, article } };
  if (action === "escalate") return { kind: "ticket", body: { priority: priorityFor(incident, defaults.priorities), article } };
  return { kind: "article", body: article };
}

/** The internal note of a change: what happened, its note, the current figures and the Sluice link. */
export function changeNote(
  action: DeliveryAction,
  incident: Incident,
  detail: string,
  body: string,
  incidentUrl: string | null,
): ZammadNote {
  const subject = `${HEADLINE[action]}: ${incident.key}${action === "escalate" ? ` (level ${incident.escalationLevel})` : ""}`;
  const lines = [`${subject} is ${incident.state}.`];
  if (detail.trim()) lines.push("", detail.trim());
  if (body.trim()) lines.push("", body.trim());
  else lines.push("", `Severity ${incident.severity} (${incident.priority}), ${incident.signalCount} signals`);
  if (incidentUrl && !body.includes(incidentUrl)) lines.push(`Sluice: ${incidentUrl}`);
  return note(subject, lines.join("\n"));
}

/** The agent UI's ticket view. */
export function ticketUrl(baseUrl: string, id: number): string {
  return `${baseUrl}/#ticket/zoom/${id}`;
}

function note(subject: string, body: string): ZammadNote {
  return {
    subject: cut(subject, TITLE_MAX),
    body: cut(body, NOTE_MAX),
    content_type: "text/plain",
    type: "note",
    internal: true,
  };
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
