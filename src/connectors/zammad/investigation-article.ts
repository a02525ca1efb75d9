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

/** An internal HTML article: what Zammad agents see in the ticket's history, never the customer. */
export interface ZammadHtmlNote {
  subject: string;
  body: string;
  content_type: "text/html";
  type: "note";
  internal: true;
}

// Zammad stores article bodies without a hard bound; this one keeps an investigation readable in the agent UI.
const BODY_MAX = 60_000;

/** Every report text is escaped: evidence quotes logs and titles, which must not become markup. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

function itemHtml(item: ViewItem, line: number): string {
  const text = escapeHtml(clipText(item.text, line));
  return item.url ? `${text} <a href="${escapeHtml(item.url)}">open</a>` : text;
}

function html(view: InvestigationView, caps: ListCaps): string {
  const parts = [`<h2>${escapeHtml(view.title)}</h2>`];
  if (view.supersedes) parts.push(`<p><strong>${escapeHtml(view.supersedes)}</strong></p>`);
  parts.push(`<p><strong>${escapeHtml(clipText(view.headline, caps.line * 2))}</strong></p>`);
  if (view.confidence) parts.push(`<p>Confidence: ${escapeHtml(view.confidence)}</p>`);
  if (view.narrative) parts.push(`<p>${escapeHtml(clipText(view.narrative, caps.line * 2))}</p>`);
  const list = (title: string, items: string[], total: number, what: string, tag: "ul" | "ol") => {
    if (total === 0) return;
    parts.push(`<h3>${title}</h3>`);
    if (items.length > 0) parts.push(`<${tag}>${items.map((i) => `<li>${i}</li>`).join("")}</${tag}>`);
    if (total > items.length) parts.push(`<p>${escapeHtml(omittedNote(view, total - items.length, what))}</p>`);
  };
  list(
    "Evidence",
    limited(view.evidence, caps.evidence).shown.map((e) => itemHtml(e, caps.line)),
    view.evidence.length,
    "evidence items",
    "ul",
  );
  list(
    "Steps executed",
    limited(view.steps, caps.steps).shown.map((s) => escapeHtml(clipText(s, caps.line))),
    view.steps.length,
    "steps",
    "ol",
  );
  list(
    "Recommended actions",
    limited(view.actions, caps.actions).shown.map((a) => itemHtml(a, caps.line)),
    view.actions.length,
    "actions",
    "ol",
  );
  parts.push("<h3>Root cause</h3>", `<p>${escapeHtml(clipText(view.rootCause, caps.line))}</p>`);
  if (!view.fullReport.startsWith("GET ")) {
    parts.push(`<p>Full report: <a href="${escapeHtml(view.fullReport)}">${escapeHtml(view.fullReport)}</a></p>`);
  }
  return parts.join("\n");
}

/** The `POST /ticket_articles` body of an investigation (ticket_id added by the connector). */
export function investigationArticle(delivery: InvestigationDelivery, incidentUrl: string | null): ZammadHtmlNote {
  const view = investigationView(delivery, incidentUrl);
  const body = fitted(
    (caps) => html(view, caps),
    (text) => text.length <= BODY_MAX,
  );
  return {
    subject: clipText(`Investigation v${delivery.report.version}: ${delivery.report.incidentKey}`, 250),
    body,
    content_type: "text/html",
    type: "note",
    internal: true,
  };
}
