import type { InvestigationDelivery } from "../../core/investigation.ts";
import {
  clipText,
  fitted,
  type InvestigationView,
  investigationView,
  type ListCaps,
  limited,
  omittedNote,
  type ViewItem,
} from "../investigation-view.ts";
import { escapeMrkdwn, type SlackBlock, type SlackMessage } from "./transform.ts";

// Block Kit limits (api.slack.com/reference/block-kit/blocks): 50 blocks a message, 3 000 characters a
// section's text, 150 a header's; longer is refused, not truncated, so the rendering stays within them.
const MAX_BLOCKS = 50;
const SECTION_MAX = 3000;
const HEADER_MAX = 150;

// Inside <url|label> a "|" or ">" would end the URL early.
function slackUrl(url: string): string {
  return url.replaceAll("|", "%7C").replaceAll(">", "%3E").replaceAll("<", "%3C").replaceAll(" ", "%20");
}

function itemLine(item: ViewItem, line: number): string {
  const text = escapeMrkdwn(clipText(item.text, line));
  return item.url ? `${text} <${slackUrl(item.url)}|open>` : text;
}

/** Lines under a bold title, as few sections as fit 3 000 characters each. */
function sections(title: string, lines: string[]): SlackBlock[] {
  const blocks: SlackBlock[] = [];
  let current = `*${title}*`;
  for (const line of lines) {
    if (current.length + 1 + line.length > SECTION_MAX) {
      blocks.push({ type: "section", text: { type: "mrkdwn", text: current } });
      current = line;
    } else current += `\n${line}`;
  }
  blocks.push({ type: "section", text: { type: "mrkdwn", text: current } });
  return blocks;
}

function blocksOf(view: InvestigationView, caps: ListCaps): SlackBlock[] {
  const blocks: SlackBlock[] = [
    { type: "header", text: { type: "plain_text", text: clipText(view.title, HEADER_MAX), emoji: false } },
  ];
  if (view.supersedes) blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: escapeMrkdwn(view.supersedes) }] });
  const confidence = view.confidence ? `\nConfidence: *${view.confidence}*` : "";
  blocks.push({
    type: "section",
    text: { type: "mrkdwn", text: clipText(`*${escapeMrkdwn(clipText(view.headline, 2500))}*${confidence}`, SECTION_MAX) },
  });
  if (view.narrative) {
    blocks.push({ type: "section", text: { type: "mrkdwn", text: escapeMrkdwn(clipText(view.narrative, 2500)) } });
  }
  const list = (title: string, lines: string[], total: number, what: string) => {
    if (total === 0) return;
    const shown = total > lines.length ? [...lines, escapeMrkdwn(omittedNote(view, total - lines.length, what))] : lines;
    blocks.push(...sections(title, shown));
  };
  list(
    "Evidence",
    limited(view.evidence, caps.evidence).shown.map((e) => `• ${itemLine(e, caps.line)}`),
    view.evidence.length,
    "evidence items",
  );
  list(
    "Steps executed",
    limited(view.steps, caps.steps).shown.map((s, i) => `${i + 1}. ${escapeMrkdwn(clipText(s, caps.line))}`),
    view.steps.length,
    "steps",
  );
  list(
    "Recommended actions",
    limited(view.actions, caps.actions).shown.map((a, i) => `${i + 1}. ${itemLine(a, caps.line)}`),
    view.actions.length,
    "actions",
  );
  blocks.push({
    type: "section",
    text: { type: "mrkdwn", text: `*Root cause*\n${escapeMrkdwn(clipText(view.rootCause, caps.line))}` },
  });
  if (!view.fullReport.startsWith("GET ")) {
    blocks.push({
      type: "context",
      elements: [{ type: "mrkdwn", text: `<${slackUrl(view.fullReport)}|Full report in Sluice>` }],
    });
  }
  return blocks;
}

/**
 * The report as a Slack message with Block Kit blocks (a thread reply in bot mode, a message of its own
 * through an incoming webhook), and a plain fallback text for notifications and old clients.
 */
export function investigationMessage(delivery: InvestigationDelivery, incidentUrl: string | null): SlackMessage {
  const view = investigationView(delivery, incidentUrl);
  const blocks = fitted(
    (caps) => blocksOf(view, caps),
    (rendered) => rendered.length <= MAX_BLOCKS,
  );
  const supersedes = view.supersedes ? ` ${view.supersedes}` : "";
  return {
    text: clipText(escapeMrkdwn(`${view.title}.${supersedes} ${view.headline} Root cause: ${view.rootCause}`), SECTION_MAX),
    blocks: blocks.slice(0, MAX_BLOCKS),
  };
}
