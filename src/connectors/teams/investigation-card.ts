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
import { type AdaptiveCard, type CardElement, inert, type TeamsMessage } from "./transform.ts";

// Teams refuses messages above about 28 KB; the card stays under this many bytes of JSON.
const MESSAGE_MAX_BYTES = 24_000;

// Markdown link targets end at ")" or whitespace; percent-encoding keeps the URL equivalent.
function markdownUrl(url: string): string {
  return url.replaceAll("(", "%28").replaceAll(")", "%29").replaceAll(" ", "%20");
}

function itemText(item: ViewItem, line: number): string {
  const text = inert(clipText(item.text, line));
  return item.url ? `${text} [open](${markdownUrl(item.url)})` : text;
}

function text(value: string, extra: Partial<Extract<CardElement, { type: "TextBlock" }>> = {}): CardElement {
  return { type: "TextBlock", text: value, wrap: true, ...extra };
}

function section(title: string, lines: string[]): CardElement {
  return {
    type: "Container",
    separator: true,
    spacing: "Medium",
    items: [text(title, { weight: "Bolder" }), ...lines.map((l) => text(l))],
  };
}

function cardOf(view: InvestigationView, caps: ListCaps): TeamsMessage {
  // "<what> · <key>" first, as every card of this connector begins; then the report's own title.
  const body: CardElement[] = [
    text(inert(`Investigation v${view.version} · ${view.incidentKey}`), { style: "heading", weight: "Bolder", size: "Medium" }),
    text(inert(view.title), { weight: "Bolder" }),
  ];
  if (view.supersedes) body.push(text(inert(view.supersedes), { isSubtle: true }));
  body.push(
    text(inert(clipText(view.headline, caps.line * 2)), {
      weight: "Bolder",
      color: view.confidence ? "Accent" : "Warning",
    }),
  );
  const facts = [{ title: "Root cause", value: inert(clipText(view.rootCause, caps.line)) }];
  if (view.confidence) facts.unshift({ title: "Confidence", value: view.confidence });
  body.push({ type: "FactSet", facts });
  if (view.narrative) body.push(text(inert(clipText(view.narrative, caps.line * 2))));
  const list = (title: string, lines: string[], total: number, what: string) => {
    if (total === 0) return;
    const shown = total > lines.length ? [...lines, inert(omittedNote(view, total - lines.length, what))] : lines;
    body.push(section(title, shown));
  };
  list(
    "Evidence",
    limited(view.evidence, caps.evidence).shown.map((e) => `- ${itemText(e, caps.line)}`),
    view.evidence.length,
    "evidence items",
  );
  // One TextBlock of a numbered Markdown list: Teams renders "1." lines as an ordered list.
  const steps = limited(view.steps, caps.steps).shown.map((s, i) => `${i + 1}. ${inert(clipText(s, caps.line))}`);
  list("Steps executed", steps.length > 0 ? [steps.join("\r")] : [], view.steps.length, "steps");
  const actions = limited(view.actions, caps.actions).shown.map((a, i) => `${i + 1}. ${itemText(a, caps.line)}`);
  list("Recommended actions", actions.length > 0 ? [actions.join("\r")] : [], view.actions.length, "actions");
  const card: AdaptiveCard = {
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    type: "AdaptiveCard",
    version: "1.5",
    fallbackText: inert(clipText(`${view.title}: ${view.headline}`, 255)),
    body,
  };
  if (!view.fullReport.startsWith("GET ")) {
    card.actions = [{ type: "Action.OpenUrl", title: "Full report in Sluice", url: view.fullReport }];
  }
  return {
    type: "message",
    attachments: [{ contentType: "application/vnd.microsoft.card.adaptive", contentUrl: null, content: card }],
  };
}

/** The report as an Adaptive Card 1.5 posted through the Workflows webhook. */
export function investigationCard(delivery: InvestigationDelivery, incidentUrl: string | null): TeamsMessage {
  const view = investigationView(delivery, incidentUrl);
  return fitted(
    (caps) => cardOf(view, caps),
    (message) => Buffer.byteLength(JSON.stringify(message)) <= MESSAGE_MAX_BYTES,
  );
}
