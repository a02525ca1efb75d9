import type { InvestigationDelivery } from "../core/investigation.ts";
import { reportHeadline } from "../core/investigation.ts";

/** One line of the report with the place a person can open, when it is a URL. */
export interface ViewItem {
  text: string;
  /** An http(s) URL (graph, trace, log query, runbook); other links stay in `text`. */
  url: string | null;
}

/**
 * An investigation report laid out for a ticket, the same on every platform: the title, what it supersedes,
 * the hypothesis and its confidence, then evidence, steps executed, recommended actions and the root-cause
 * field. Each connector renders it in its own form and cuts its lists to the platform's limits.
 */
export interface InvestigationView {
  incidentKey: string;
  version: number;
  title: string;
  /** "Supersedes version N: …" on a later version, else null. */
  supersedes: string | null;
  headline: string;
  /** "82%" for an asserted hypothesis, else null. */
  confidence: string | null;
  /** The LLM's narrative, labelled with its model (never the analysis's own words). */
  narrative: string | null;
  /** What the hypothesis cites first, then the rest. */
  evidence: ViewItem[];
  steps: string[];
  actions: ViewItem[];
  rootCause: string;
  /** Where the whole report can be read: the incident in Sluice, else the API path. */
  fullReport: string;
}

// Links come from collectors and runbooks; only http(s) ones become links, so no javascript: URL reaches a ticket.
function httpUrl(link: string | null): string | null {
  return link && /^https?:\/\/\S+$/i.test(link) ? link : null;
}

function item(text: string, link: string | null): ViewItem {
  const url = httpUrl(link);
  // A trace id or another non-URL reference stays readable in the text.
  return { text: link && !url ? `${text} (${link})` : text, url };
}

export function investigationView(delivery: InvestigationDelivery, incidentUrl: string | null): InvestigationView {
  const { report, supersedes } = delivery;
  const cited = new Set(report.hypotheses[0]?.evidence ?? []);
  const evidence = [...report.evidence].sort((a, b) => Number(cited.has(b.id)) - Number(cited.has(a.id)));
  const top = report.hypotheses[0];
  return {
    incidentKey: report.incidentKey,
    version: report.version,
    title: `Sluice investigation of ${report.incidentKey} (version ${report.version}, ${report.trigger})`,
    supersedes:
      supersedes === null
        ? null
        : `Supersedes version ${supersedes}: this report replaces it; the earlier one stays in Sluice's history.`,
    headline: reportHeadline(report),
    confidence: report.outcome === "hypothesis" && top ? `${Math.round(top.confidence * 100)}%` : null,
    narrative: report.narrative
      ? `Narrative (${report.narrative.model}, every hypothesis checked against the evidence): ${report.narrative.text}`
      : null,
    evidence: evidence.map((e) => item(`[${e.id}] ${e.summary}`, e.link)),
    steps: report.steps.map((step) => {
      const note = step.note ? ` — ${step.note}` : "";
      return `${step.collector}: ${step.query} (${step.status}, ${step.items} items, ${step.ms} ms${note})`;
    }),
    actions: report.actions.map((a) => item(a.text, a.link)),
    rootCause: report.rootCause ?? "undetermined",
    fullReport: incidentUrl ?? `GET /api/incidents/${report.incidentKey}/investigation?version=${report.version}`,
  };
}

/** At most `max` items, and how many were left out. */
export function limited<T>(items: readonly T[], max: number): { shown: T[]; omitted: number } {
  const shown = items.slice(0, Math.max(0, max));
  return { shown, omitted: items.length - shown.length };
}

/** Says that a list was cut, and where the rest is. */
export function omittedNote(view: InvestigationView, count: number, what: string): string {
  return `… ${count} more ${what} not shown (platform limit); the full report: ${view.fullReport}`;
}

/** Text cut to `max` characters with a visible mark (never a silent cut), not splitting a surrogate pair. */
export function clipText(text: string, max: number): string {
  if (text.length <= max) return text;
  const mark = " … [truncated]";
  let cut = Math.max(0, max - mark.length);
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return `${text.slice(0, cut)}${mark}`;
}

/** How many list entries a rendering shows; tighter sets are tried until the result fits. */
export interface ListCaps {
  evidence: number;
  steps: number;
  actions: number;
  /** Characters of one line. */
  line: number;
}

/** From generous to tight: a rendering that exceeds its platform's limit is redone with the next. */
export const CAPS_LADDER: readonly ListCaps[] = [
  { evidence: 25, steps: 30, actions: 10, line: 600 },
  { evidence: 15, steps: 12, actions: 8, line: 400 },
  { evidence: 8, steps: 6, actions: 5, line: 300 },
  { evidence: 4, steps: 3, actions: 3, line: 200 },
  { evidence: 2, steps: 0, actions: 2, line: 160 },
];

/** The first rendering within `fits`, trying each caps set; the tightest one when none fits. */
export function fitted<T>(render: (caps: ListCaps) => T, fits: (value: T) => boolean): T {
  let last: T | undefined;
  for (const caps of CAPS_LADDER) {
    last = render(caps);
    if (fits(last)) return last;
  }
  return last as T;
}

/**
 * The report as plain text within `maxChars`: for notes that take text (a ServiceNow work note, a PagerDuty
 * or Opsgenie note). Lists are shortened first, saying so; the result is cut with a mark only as a last resort.
 */
export function investigationPlainText(
  view: InvestigationView,
  maxChars: number,
  size: (text: string) => number = (text) => text.length,
): string {
  const text = fitted(
    (caps) => {
      const lines = [view.title];
      if (view.supersedes) lines.push(view.supersedes);
      lines.push("", clipText(view.headline, caps.line * 2));
      if (view.confidence) lines.push(`Confidence: ${view.confidence}`);
      if (view.narrative) lines.push("", clipText(view.narrative, caps.line * 2));
      const section = (heading: string, entries: string[], total: number, what: string, numbered: boolean) => {
        if (total === 0) return;
        lines.push("", heading);
        for (const [index, entry] of entries.entries()) {
          lines.push(`${numbered ? `${index + 1}.` : "-"} ${clipText(entry, caps.line)}`);
        }
        if (total > entries.length) lines.push(omittedNote(view, total - entries.length, what));
      };
      const evidence = limited(view.evidence, caps.evidence);
      section(
        "Evidence:",
        evidence.shown.map((e) => (e.url ? `${e.text} ${e.url}` : e.text)),
        view.evidence.length,
        "evidence items",
        false,
      );
      section("Steps executed:", limited(view.steps, caps.steps).shown, view.steps.length, "steps", true);
      const actions = limited(view.actions, caps.actions);
      section(
        "Recommended actions:",
        actions.shown.map((a) => (a.url ? `${a.text} ${a.url}` : a.text)),
        view.actions.length,
        "actions",
        true,
      );
      lines.push("", `Root cause: ${clipText(view.rootCause, caps.line)}`);
      if (!view.fullReport.startsWith("GET ")) lines.push(`Full report: ${view.fullReport}`);
      return lines.join("\n");
    },
    (value) => size(value) <= maxChars,
  );
  if (size(text) <= maxChars) return text;
  // Past every caps set (a very long headline in bytes): cut by characters until the measure fits.
  let chars = Math.min(text.length, maxChars);
  let cut = clipText(text, chars);
  while (size(cut) > maxChars && chars > 0) {
    chars = Math.floor(chars * 0.9);
    cut = clipText(text, chars);
  }
  return cut;
}
