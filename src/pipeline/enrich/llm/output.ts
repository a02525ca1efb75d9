import { z } from "zod";
import { SEVERITIES, type Severity, severityRank } from "../../../core/signal.ts";

export const MAX_SUMMARY_CHARS = 2_000;
export const MAX_CAUSE_CHARS = 600;

/** What the model must answer; generous raw limits, the kept text is capped further after cleaning. */
export const summaryAnswerSchema = z.object({
  summary: z.string().trim().min(1).max(8_000),
  probableCause: z.string().max(4_000).nullish(),
  suggestedSeverity: z.string().max(20).nullish(),
});

export type CheckedSummary = { summary: string; probableCause?: string; suggestedSeverity?: Severity; notes: string[] };

export interface OutputContext {
  incidentSeverity: Severity;
  /** Values whose presence in the answer means it must be thrown away (API key, prompt boundary). */
  forbidden: readonly string[];
  /** Every text the model was shown; links in the answer must appear in it. */
  inputText: string;
}

/** Validates and cleans the model's raw text; anything unusable comes back as a reason. */
export function checkAnswer(
  raw: string,
  context: OutputContext,
): { ok: true; value: CheckedSummary } | { ok: false; reason: string } {
  const json = extractJsonObject(raw);
  if (json === undefined) return { ok: false, reason: "answer is not a JSON object" };
  const parsed = summaryAnswerSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      reason: `answer does not match the schema (${issue?.path.join(".") || "root"}: ${issue?.message ?? "invalid"})`,
    };
  }
  for (const value of context.forbidden) {
    if (value.length >= 4 && raw.includes(value))
      return { ok: false, reason: "answer contains a secret or the prompt boundary; discarded" };
  }

  const notes: string[] = [];
  const summary = cleanText(parsed.data.summary, MAX_SUMMARY_CHARS, context.inputText, notes);
  if (!summary) return { ok: false, reason: "answer has an empty summary after cleaning" };
  const value: CheckedSummary = { summary, notes };
  const cause = parsed.data.probableCause ? cleanText(parsed.data.probableCause, MAX_CAUSE_CHARS, context.inputText, notes) : "";
  if (cause) value.probableCause = cause;

  const suggested = parsed.data.suggestedSeverity?.trim().toLowerCase();
  if (suggested) {
    if (!SEVERITIES.includes(suggested as Severity)) {
      notes.push(`ignored unknown severity "${cleanText(suggested, 20, "", [])}"`);
    } else if (severityRank(suggested as Severity) > severityRank(context.incidentSeverity)) {
      // The model reads attacker-controllable text; it may raise attention, never lower it.
      notes.push(`ignored suggested severity ${suggested}: less severe than ${context.incidentSeverity}`);
    } else {
      value.suggestedSeverity = suggested as Severity;
    }
  }
  return { ok: true, value };
}

/** The first JSON object in the text: bare, in a ```json fence, or wrapped in prose by chatty local models. */
export function extractJsonObject(raw: string): unknown {
  const text = raw.trim();
  const candidates = [text];
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(text);
  if (fenced?.[1]) candidates.push(fenced[1].trim());
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start >= 0 && end > start) candidates.push(text.slice(start, end + 1));
  for (const candidate of candidates) {
    try {
      const value: unknown = JSON.parse(candidate);
      if (value !== null && typeof value === "object" && !Array.isArray(value)) return value;
    } catch {
      // try the next candidate
    }
  }
  return undefined;
}

const URL_PATTERN = /\b(?:https?|ftp|file|data|javascript):[^\s<>"'`)\]]*/gi;
// Controls except tab and newline, plus bidi overrides and zero-width characters that disguise text.
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/g;

/** Untrusted text → plain text: no control characters, no links the input did not have, capped length. */
export function cleanText(text: string, max: number, inputText: string, notes: string[]): string {
  let out = text.replace(/\r\n?/g, "\n").replace(CONTROL, "");
  // Markdown images fetch their URL when rendered, which can leak data; keep only the alt text.
  out = out.replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1");
  out = out.replace(URL_PATTERN, (match) => {
    // Sentence punctuation after a link is not part of it.
    const url = match.replace(/[.,;:!?]+$/, "");
    if (inputText.includes(url)) return match;
    notes.push("removed a link that was not in the input");
    return `[link removed]${match.slice(url.length)}`;
  });
  out = out.replace(/\n{3,}/g, "\n\n").trim();
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}
