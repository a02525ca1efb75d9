import type { DeliveryAction } from "../../core/delivery.ts";
import type { Incident, IncidentState } from "../../core/incident.ts";

/** The Adaptive Card elements Sluice uses (schema 1.5, the highest Teams renders in channels). */
export type CardElement =
  | {
      type: "TextBlock";
      text: string;
      wrap: true;
      weight?: "Bolder";
      size?: "Medium" | "Large";
      color?: "Attention" | "Warning" | "Good" | "Accent";
      isSubtle?: boolean;
      style?: "heading";
    }
  | { type: "FactSet"; facts: { title: string; value: string }[] }
  | { type: "Container"; separator: true; spacing: "Medium"; items: CardElement[] };

/** An Adaptive Card 1.5. */
export interface AdaptiveCard {
  $schema: "http://adaptivecards.io/schemas/adaptive-card.json";
  type: "AdaptiveCard";
  version: "1.5";
  fallbackText: string;
  body: CardElement[];
  actions?: { type: "Action.OpenUrl"; title: string; url: string }[];
}

/** The request body a Workflows ("When a Teams webhook request is received") trigger expects. */
export interface TeamsMessage {
  type: "message";
  attachments: [{ contentType: "application/vnd.microsoft.card.adaptive"; contentUrl: null; content: AdaptiveCard }];
}

// Teams refuses messages above ~28 KB; these caps keep a card well inside that with room for facts.
const BODY_MAX = 8000;
const DETAIL_MAX = 4000;
const TITLE_MAX = 255;

const STATE_LABEL: Record<IncidentState, string> = {
  open: "Open",
  acknowledged: "Acknowledged",
  escalated: "Escalated",
  resolved: "Resolved",
};

const STATE_COLOR: Record<IncidentState, "Attention" | "Warning" | "Good"> = {
  open: "Attention",
  acknowledged: "Warning",
  escalated: "Attention",
  resolved: "Good",
};

const ACTION_LABEL: Record<DeliveryAction, string> = {
  create: "New incident",
  update: "Incident updated",
  acknowledge: "Acknowledged",
  resolve: "Resolved",
  escalate: "Escalated",
  reopen: "Reopened",
  comment: "Note",
};

/**
 * One self-contained card per change. A Workflows webhook can only post (no id comes back, no edit,
 * no thread), so every card repeats which incident it is about and its current state.
 */
export function teamsMessage(
  action: DeliveryAction,
  incident: Incident,
  text: { title: string; body: string },
  detail: string,
  incidentUrl: string | null,
): TeamsMessage {
  const headline = action === "escalate" ? `${ACTION_LABEL.escalate} to level ${incident.escalationLevel}` : ACTION_LABEL[action];
  const body: CardElement[] = [
    {
      type: "TextBlock",
      text: inert(`${headline} · ${incident.key}`),
      wrap: true,
      style: "heading",
      weight: "Bolder",
      size: "Medium",
      color: STATE_COLOR[incident.state],
    },
    { type: "TextBlock", text: inert(cut(text.title, TITLE_MAX)), wrap: true, weight: "Bolder" },
    { type: "FactSet", facts: facts(incident) },
  ];
  if (text.body.trim()) body.push({ type: "TextBlock", text: inert(cut(text.body.trim(), BODY_MAX)), wrap: true });
  if (action !== "create") {
    const change: CardElement[] = [{ type: "TextBlock", text: `Change: ${headline}`, wrap: true, weight: "Bolder" }];
    if (detail.trim()) change.push({ type: "TextBlock", text: inert(cut(detail.trim(), DETAIL_MAX)), wrap: true });
    body.push({ type: "Container", separator: true, spacing: "Medium", items: change });
  }
  const card: AdaptiveCard = {
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    type: "AdaptiveCard",
    version: "1.5",
    fallbackText: inert(cut(`${headline}: ${incident.key} ${incident.title} (${STATE_LABEL[incident.state]})`, TITLE_MAX)),
    body,
  };
  if (incidentUrl) card.actions = [{ type: "Action.OpenUrl", title: `Open ${incident.key} in Sluice`, url: incidentUrl }];
  return {
    type: "message",
    attachments: [{ contentType: "application/vnd.microsoft.card.adaptive", contentUrl: null, content: card }],
  };
}

function facts(incident: Incident): { title: string; value: string }[] {
  const state =
    incident.state === "escalated" ? `${STATE_LABEL.escalated} (level ${incident.escalationLevel})` : STATE_LABEL[incident.state];
  return [
    ["Key", incident.key],
    ["Severity", incident.severity],
    ["Priority", incident.priority],
    ["State", state],
    ["Service", incident.service],
    ["Environment", incident.environment],
    ["Signals", String(incident.signalCount)],
    ["First seen", new Date(incident.firstSeenAt).toISOString()],
    ["Last seen", new Date(incident.lastSeenAt).toISOString()],
  ].map(([title, value]) => ({ title: title ?? "", value: inert(value ?? "") }));
}

/**
 * Teams renders Markdown in TextBlocks and facts. Incident text comes from logs and alerts, so a
 * "[docs](https://evil)" in it must not become a link that looks like ours: a zero-width space
 * between "]" and "(" breaks the link syntax without changing what people read.
 */
export function inert(text: string): string {
  return text.replaceAll("](", "]\u200b(");
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
