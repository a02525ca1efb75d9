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
import type { JiraSettings } from "./jira-settings.ts";
import { type Block, type Inline, inlineText } from "./rich-text.ts";
import { type JiraRichText, richText } from "./transform.ts";

// Jira refuses comments above 32 767 characters (of the body as stored); the rendering stays under it with room.
const MAX_COMMENT = 30_000;

function itemInline(item: ViewItem, line: number): Inline[] {
  const text: Inline = { kind: "text", text: clipText(item.text, line) };
  return item.url ? [text, { kind: "text", text: " " }, { kind: "link", text: "open", href: item.url }] : [text];
}

function heading(text: string): Block {
  return { kind: "heading", level: 3, content: [{ kind: "text", text }] };
}

/** The report as blocks: a heading, the hypothesis and its confidence, evidence links, ordered steps, actions, root cause. */
export function investigationBlocks(view: InvestigationView, caps: ListCaps): Block[] {
  const blocks: Block[] = [{ kind: "heading", level: 2, content: [{ kind: "text", text: view.title }] }];
  if (view.supersedes) blocks.push({ kind: "paragraph", content: [{ kind: "text", text: view.supersedes, strong: true }] });
  blocks.push({ kind: "paragraph", content: inlineText(clipText(view.headline, caps.line * 2), true) });
  if (view.confidence) blocks.push({ kind: "paragraph", content: [{ kind: "text", text: `Confidence: ${view.confidence}` }] });
  if (view.narrative) blocks.push({ kind: "paragraph", content: inlineText(clipText(view.narrative, caps.line * 2)) });
  const list = (title: string, items: Inline[][], total: number, what: string, ordered: boolean) => {
    if (total === 0) return;
    blocks.push(heading(title));
    if (items.length > 0) blocks.push({ kind: "bullets", items, ordered });
    if (total > items.length) {
      blocks.push({ kind: "paragraph", content: inlineText(omittedNote(view, total - items.length, what)) });
    }
  };
  const evidence = limited(view.evidence, caps.evidence).shown;
  list(
    "Evidence",
    evidence.map((e) => itemInline(e, caps.line)),
    view.evidence.length,
    "evidence items",
    false,
  );
  const steps = limited(view.steps, caps.steps).shown;
  list(
    "Steps executed",
    steps.map((s) => [{ kind: "text", text: clipText(s, caps.line) }]),
    view.steps.length,
    "steps",
    true,
  );
  const actions = limited(view.actions, caps.actions).shown;
  list(
    "Recommended actions",
    actions.map((a) => itemInline(a, caps.line)),
    view.actions.length,
    "actions",
    true,
  );
  blocks.push(heading("Root cause"));
  blocks.push({ kind: "paragraph", content: [{ kind: "text", text: clipText(view.rootCause, caps.line) }] });
  if (!view.fullReport.startsWith("GET ")) {
    blocks.push({
      kind: "paragraph",
      content: [
        { kind: "text", text: "Full report: " },
        { kind: "link", text: view.fullReport, href: view.fullReport },
      ],
    });
  }
  return blocks;
}

/** The body of `POST /issue/{key}/comment` for an investigation: ADF on Cloud, wiki markup on Server. */
export function investigationCommentPayload(
  settings: Pick<JiraSettings, "deployment">,
  delivery: InvestigationDelivery,
  incidentUrl: string | null,
): { body: JiraRichText } {
  const view = investigationView(delivery, incidentUrl);
  const body = fitted(
    (caps) => richText(settings, investigationBlocks(view, caps)),
    (rendered) => JSON.stringify(rendered).length <= MAX_COMMENT,
  );
  return { body };
}

/** The root-cause field's value (a single-line text custom field holds 255 characters). */
export function rootCauseFieldValue(delivery: InvestigationDelivery): string | null {
  const { rootCause } = delivery.report;
  return rootCause ? clipText(rootCause, 255) : null;
}
