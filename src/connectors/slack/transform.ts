import type { DeliveryAction } from "../../core/delivery.ts";
import type { Incident, IncidentState } from "../../core/incident.ts";
import { awaitingApprovalRunId } from "../../core/remediation.ts";

/** A Block Kit text object. */
export type SlackText = { type: "plain_text"; text: string; emoji?: boolean } | { type: "mrkdwn"; text: string };

/** The Block Kit blocks Sluice uses. */
export type SlackBlock =
  | { type: "header"; text: { type: "plain_text"; text: string; emoji: boolean } }
  | { type: "section"; text: SlackText }
  | { type: "section"; fields: SlackText[] }
  | { type: "context"; elements: SlackText[] }
  | { type: "actions"; block_id: string; elements: SlackButton[] };

/** A Block Kit button; `value` comes back in the block_actions payload when it is clicked. */
export interface SlackButton {
  type: "button";
  action_id: string;
  text: { type: "plain_text"; text: string; emoji: boolean };
  value: string;
  style?: "primary" | "danger";
}

/** The lifecycle buttons on the root message; the action id carries the action (`sluice_<action>`). */
export const BUTTON_ACTIONS = ["acknowledge", "resolve", "escalate"] as const;
export type ButtonAction = (typeof BUTTON_ACTIONS)[number];
export const ACTION_ID_PREFIX = "sluice_";
export const ACTIONS_BLOCK_ID = "sluice_lifecycle";

/** A remediation run's buttons: action ids `sluice_remediation_<decision>`, value `remediation:<decision>:<run id>`. */
export const REMEDIATION_DECISIONS = ["approve", "reject"] as const;
export type RemediationDecision = (typeof REMEDIATION_DECISIONS)[number];
export const REMEDIATION_ACTION_ID_PREFIX = `${ACTION_ID_PREFIX}remediation_`;
export const REMEDIATION_BLOCK_ID = "sluice_remediation";

/** A message body: `text` is the notification and accessibility fallback, `blocks` what people see. */
export interface SlackMessage {
  text: string;
  blocks?: SlackBlock[];
}

// Block Kit limits (api.slack.com/reference/block-kit/blocks): longer text is refused, not truncated.
const HEADER_MAX = 150;
const SECTION_MAX = 3000;
const FIELD_MAX = 2000;

const STATE_ICON: Record<IncidentState, string> = {
  open: ":red_circle:",
  acknowledged: ":large_yellow_circle:",
  escalated: ":rotating_light:",
  resolved: ":white_check_mark:",
};

const STATE_LABEL: Record<IncidentState, string> = {
  open: "Open",
  acknowledged: "Acknowledged",
  escalated: "Escalated",
  resolved: "Resolved",
};

const ACTION_HEADLINE: Record<DeliveryAction, string> = {
  create: ":new: *Opened*",
  update: ":memo: *Updated*",
  acknowledge: ":eyes: *Acknowledged*",
  resolve: ":white_check_mark: *Resolved*",
  escalate: ":rotating_light: *Escalated*",
  reopen: ":repeat: *Reopened*",
  comment: ":speech_balloon: *Note*",
};

/**
 * The incident's one message in bot-token mode; re-rendered with chat.update on every change.
 * With `buttonValue` (the incident's idempotency key) it carries the lifecycle buttons until resolved.
 */
export function rootMessage(incident: Incident, incidentUrl: string | null, buttonValue?: string): SlackMessage {
  const blocks: SlackBlock[] = [
    {
      type: "header",
      text: {
        type: "plain_text",
        text: truncate(`${STATE_ICON[incident.state]} ${incident.key} · ${incident.title}`, HEADER_MAX),
        emoji: true,
      },
    },
    factsSection(incident),
  ];
  if (incident.summary.trim()) {
    blocks.push({
      type: "section",
      text: { type: "mrkdwn", text: truncate(`*Summary*\n${escapeMrkdwn(incident.summary)}`, SECTION_MAX) },
    });
  }
  blocks.push(timesContext(incident, incidentUrl));
  const buttons = buttonValue ? lifecycleButtons(incident, buttonValue) : null;
  if (buttons) blocks.push(buttons);
  return { text: fallbackText(incident), blocks };
}

const BUTTON_LABEL: Record<ButtonAction, string> = { acknowledge: "Acknowledge", resolve: "Resolve", escalate: "Escalate" };
const BUTTON_STYLE: Partial<Record<ButtonAction, "primary" | "danger">> = { resolve: "primary", escalate: "danger" };

/** The buttons a person may still press: none once resolved, no Acknowledge once acknowledged. */
function lifecycleButtons(incident: Incident, value: string): SlackBlock | null {
  if (incident.state === "resolved") return null;
  const offered = BUTTON_ACTIONS.filter((action) => !(action === "acknowledge" && incident.state === "acknowledged"));
  return {
    type: "actions",
    block_id: ACTIONS_BLOCK_ID,
    elements: offered.map((action) => {
      const style = BUTTON_STYLE[action];
      return {
        type: "button",
        action_id: `${ACTION_ID_PREFIX}${action}`,
        text: { type: "plain_text", text: BUTTON_LABEL[action], emoji: true },
        value,
        ...(style ? { style } : {}),
      };
    }),
  };
}

/**
 * A thread reply (bot-token mode) saying what changed, with the change's note. The note of a remediation run
 * awaiting approval carries Approve and Reject buttons, as the root message carries the lifecycle buttons.
 */
export function threadReply(action: DeliveryAction, incident: Incident, detail: string): SlackMessage {
  const text = truncate(`${changeLine(action, incident)}${quote(detail)}`, SECTION_MAX);
  const runId = action === "comment" && incident.state !== "resolved" ? awaitingApprovalRunId(detail) : null;
  if (!runId) return { text };
  return { text, blocks: [{ type: "section", text: { type: "mrkdwn", text } }, remediationButtons(runId)] };
}

function remediationButtons(runId: string): SlackBlock {
  const button = (decision: RemediationDecision, label: string, style: "primary" | "danger"): SlackButton => ({
    type: "button",
    action_id: `${REMEDIATION_ACTION_ID_PREFIX}${decision}`,
    text: { type: "plain_text", text: label, emoji: true },
    value: `remediation:${decision}:${runId}`,
    style,
  });
  return {
    type: "actions",
    block_id: REMEDIATION_BLOCK_ID,
    elements: [button("approve", "Approve", "primary"), button("reject", "Reject", "danger")],
  };
}

/**
 * A stand-alone message for incoming-webhook mode. Webhooks cannot thread or edit, so every change
 * repeats which incident it is about and its current state.
 */
export function webhookMessage(
  action: DeliveryAction,
  incident: Incident,
  detail: string,
  incidentUrl: string | null,
): SlackMessage {
  if (action === "create") return rootMessage(incident, incidentUrl);
  const name = incidentUrl ? `<${escapeUrl(incidentUrl)}|${escapeMrkdwn(incident.key)}>` : `*${escapeMrkdwn(incident.key)}*`;
  const blocks: SlackBlock[] = [
    {
      type: "section",
      text: {
        type: "mrkdwn",
        text: truncate(`${changeLine(action, incident)} · ${name} ${escapeMrkdwn(incident.title)}`, SECTION_MAX),
      },
    },
    factsSection(incident),
  ];
  if (detail.trim())
    blocks.push({ type: "section", text: { type: "mrkdwn", text: truncate(quote(detail).trimStart(), SECTION_MAX) } });
  blocks.push(timesContext(incident, null));
  return {
    text: truncate(
      `${changeLine(action, incident)} · ${escapeMrkdwn(incident.key)}: ${escapeMrkdwn(incident.title)}`,
      SECTION_MAX,
    ),
    blocks,
  };
}

function changeLine(action: DeliveryAction, incident: Incident): string {
  const headline = ACTION_HEADLINE[action];
  switch (action) {
    case "update":
      return `${headline}: ${STATE_LABEL[incident.state]} · ${incident.severity} · ${incident.priority} · ${incident.signalCount} signals`;
    case "escalate":
      return `${headline} to level ${incident.escalationLevel}`;
    default:
      return headline;
  }
}

function factsSection(incident: Incident): SlackBlock {
  const state =
    incident.state === "escalated" ? `${STATE_LABEL.escalated} (level ${incident.escalationLevel})` : STATE_LABEL[incident.state];
  const facts: [string, string][] = [
    ["State", state],
    ["Severity", incident.severity],
    ["Priority", incident.priority],
    ["Service", incident.service],
    ["Environment", incident.environment],
    ["Signals", String(incident.signalCount)],
  ];
  return {
    type: "section",
    fields: facts.map(([label, value]) => ({ type: "mrkdwn", text: truncate(`*${label}*\n${escapeMrkdwn(value)}`, FIELD_MAX) })),
  };
}

function timesContext(incident: Incident, incidentUrl: string | null): SlackBlock {
  const parts = [`First seen ${slackDate(incident.firstSeenAt)}`, `last seen ${slackDate(incident.lastSeenAt)}`];
  if (incidentUrl) parts.push(`<${escapeUrl(incidentUrl)}|Open ${escapeMrkdwn(incident.key)} in Sluice>`);
  return { type: "context", elements: [{ type: "mrkdwn", text: parts.join(" · ") }] };
}

function fallbackText(incident: Incident): string {
  return truncate(
    `${STATE_ICON[incident.state]} [${incident.priority} ${incident.severity}] ${escapeMrkdwn(incident.key)}: ${escapeMrkdwn(incident.title)} (${STATE_LABEL[incident.state]})`,
    SECTION_MAX,
  );
}

// Slack renders the date in each reader's time zone; the ISO text is the fallback for old clients.
function slackDate(epochMs: number): string {
  return `<!date^${Math.floor(epochMs / 1000)}^{date_short_pretty} {time}|${new Date(epochMs).toISOString()}>`;
}

function quote(detail: string): string {
  const text = detail.trim();
  if (!text) return "";
  // Escaped first, so only the quote markers added here are read as mrkdwn ">".
  return `\n${escapeMrkdwn(text)
    .split("\n")
    .map((line) => `>${line}`)
    .join("\n")}`;
}

/** Incident text comes from logs and alerts: "<!channel>" or "<https://evil|ok>" in it must stay inert. */
export function escapeMrkdwn(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

// Inside <url|label> a "|" or ">" would end the URL early.
function escapeUrl(url: string): string {
  return url.replaceAll("|", "%7C").replaceAll(">", "%3E").replaceAll("<", "%3C").replaceAll(" ", "%20");
}

function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  // Cutting through an escape (&amp;) or a surrogate pair would garble the end; back off to a safe point.
  let cut = max - 1;
  const amp = text.lastIndexOf("&", cut);
  if (amp !== -1 && amp > cut - 5 && !text.slice(amp, cut).includes(";")) cut = amp;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return `${text.slice(0, cut)}…`;
}
