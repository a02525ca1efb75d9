import type { DeliveryAction } from "../../core/delivery.ts";
import type { Incident, Priority } from "../../core/incident.ts";
import type { Severity } from "../../core/signal.ts";

/** Opsgenie proper, or Jira Service Management Ops (its successor, same alert model). */
export type OpsgenieFlavour = "opsgenie" | "jsm";

/** Who an alert notifies. Opsgenie addresses responders by name; JSM Ops only by id. */
export type OpsgenieResponder =
  | { type: "team" | "escalation" | "schedule"; name: string }
  | { type: "team" | "escalation" | "schedule"; id: string };

/** Body of `POST /v2/alerts` (Opsgenie) or `POST /v1/alerts` (JSM Ops). */
export interface CreateAlertBody {
  message: string;
  alias: string;
  description: string;
  responders?: OpsgenieResponder[];
  tags: string[];
  /** Opsgenie calls the custom properties `details`, JSM Ops `extraProperties`. */
  details?: Record<string, string>;
  extraProperties?: Record<string, string>;
  entity: string;
  source: string;
  priority: Priority;
  note?: string;
}

/** What the transform needs besides the incident. */
export interface AlertInput {
  incident: Incident;
  alias: string;
  detail: string;
  incidentUrl: string | null;
  text: { title: string; body: string };
  responders: readonly OpsgenieResponder[];
  tags: readonly string[];
}

export const ALERT_SOURCE = "sluice";

// Opsgenie's documented field limits; longer values are refused (message, alias) or cut by Opsgenie.
export const MESSAGE_MAX = 130;
export const ALIAS_MAX = 512;
const DESCRIPTION_MAX = 15_000;
const ENTITY_MAX = 512;
const NOTE_MAX = 25_000;
const TAGS_MAX = 20;
const TAG_MAX = 50;
const DETAILS_MAX_CHARS = 8_000;

const PRIORITY: Record<Severity, Priority> = { critical: "P1", high: "P2", medium: "P3", low: "P4", info: "P5" };

/** Opsgenie priority for a Sluice severity. */
export function opsgeniePriority(severity: Severity): Priority {
  return PRIORITY[severity];
}

/** The priority after an escalation: one step more urgent per escalation level, never above P1. */
export function escalatedPriority(severity: Severity, escalationLevel: number): Priority {
  const base = Number(PRIORITY[severity].slice(1));
  return `P${Math.max(1, base - Math.max(1, escalationLevel))}` as Priority;
}

/** The create-alert body; JSM Ops takes the same shape with `extraProperties` for `details`. */
export function createAlertBody(input: AlertInput, flavour: OpsgenieFlavour): CreateAlertBody {
  const { incident } = input;
  const properties = alertDetails(input);
  const body: CreateAlertBody = {
    message: truncate(input.text.title || `${incident.key}: ${incident.title}`, MESSAGE_MAX),
    alias: input.alias,
    description: truncate(input.text.body, DESCRIPTION_MAX),
    tags: alertTags(incident, input.tags),
    entity: truncate(incident.service, ENTITY_MAX),
    source: ALERT_SOURCE,
    priority: opsgeniePriority(incident.severity),
  };
  const responders = withOwnerTeam(input.responders, incident.context?.destinations?.[flavour]?.team, flavour);
  if (responders.length > 0) body.responders = responders;
  if (flavour === "jsm") body.extraProperties = properties;
  else body.details = properties;
  if (input.detail.trim()) body.note = truncate(input.detail.trim(), NOTE_MAX);
  return body;
}

// The owner's team from the service catalog replaces the configured team; escalations and schedules stay.
function withOwnerTeam(
  configured: readonly OpsgenieResponder[],
  ownerTeam: string | undefined,
  flavour: OpsgenieFlavour,
): OpsgenieResponder[] {
  if (!ownerTeam) return [...configured];
  const team: OpsgenieResponder = flavour === "jsm" ? { type: "team", id: ownerTeam } : { type: "team", name: ownerTeam };
  return [team, ...configured.filter((responder) => responder.type !== "team")];
}

function alertTags(incident: Incident, extra: readonly string[]): string[] {
  const tags = [
    "sluice",
    `severity:${incident.severity}`,
    `env:${incident.environment}`,
    `service:${incident.service}`,
    ...extra,
  ];
  return [...new Set(tags.map((tag) => tag.slice(0, TAG_MAX)).filter((tag) => tag.trim()))].slice(0, TAGS_MAX);
}

// Opsgenie accepts only string values and about 8,000 characters in all; longest-lived facts first.
function alertDetails(input: AlertInput): Record<string, string> {
  const { incident } = input;
  const entries: [string, string][] = [
    ["incident_key", incident.key],
    ["incident_id", incident.id],
    ["severity", incident.severity],
    ["state", incident.state],
    ["tenant", incident.tenant],
    ["service", incident.service],
    ["environment", incident.environment],
    ["signal_count", String(incident.signalCount)],
    ["first_seen", new Date(incident.firstSeenAt).toISOString()],
    ["last_seen", new Date(incident.lastSeenAt).toISOString()],
    ["matched_rule", incident.matchedRule],
    ["error_pattern", incident.errorPattern],
  ];
  if (input.incidentUrl) entries.splice(2, 0, ["sluice_url", input.incidentUrl]);
  const details: Record<string, string> = {};
  let used = 0;
  for (const [key, value] of entries) {
    const room = DETAILS_MAX_CHARS - used - key.length;
    if (room <= 0) break;
    const kept = truncate(value, room);
    details[key] = kept;
    used += key.length + kept.length;
  }
  return details;
}

const NOTE_HEADLINE: Record<DeliveryAction, string> = {
  create: "Opened",
  update: "Updated",
  acknowledge: "Acknowledged",
  resolve: "Resolved",
  escalate: "Escalated",
  reopen: "Reopened",
  comment: "Note",
};

/** Note text for a change: Opsgenie requires a non-empty note, so the headline is always there. */
export function noteText(action: DeliveryAction, incident: Incident, detail: string): string {
  const headline =
    action === "escalate"
      ? `Escalated in Sluice to level ${incident.escalationLevel} (${incident.key})`
      : `${NOTE_HEADLINE[action]} in Sluice (${incident.key})`;
  const text = detail.trim();
  return truncate(text ? `${headline}: ${text}` : headline, NOTE_MAX);
}

/** The text an update adds as a note where fields cannot be edited (JSM Ops). */
export function updateNote(incident: Incident, body: string, detail: string): string {
  const lead = noteText("update", incident, detail);
  return truncate(`${lead}\n\n${body}`, NOTE_MAX);
}

/** Keeps the message within Opsgenie's 130 characters; exported for message edits on update. */
export function alertMessage(title: string): string {
  return truncate(title, MESSAGE_MAX);
}

export function alertDescription(body: string): string {
  return truncate(body, DESCRIPTION_MAX);
}

function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = max - 1;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return `${text.slice(0, cut)}…`;
}
