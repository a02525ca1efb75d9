import { scrubSecrets } from "../../core/scrub.ts";
import type { ActionOutcome } from "./action.ts";

/** Longest summary an action returns: it goes on the timeline and into every linked ticket. */
export const SUMMARY_LIMIT = 300;

/** A failed outcome whose summary holds no secret and fits on one line. */
export function failed(summary: string, secrets: readonly string[]): ActionOutcome {
  return { ok: false, summary: oneLine(scrubSecrets(summary, secrets)) };
}

/** A successful outcome, scrubbed like a failure (a target may echo a token back). */
export function succeeded(summary: string, secrets: readonly string[], undo?: Record<string, unknown>): ActionOutcome {
  const outcome: ActionOutcome = { ok: true, summary: oneLine(scrubSecrets(summary, secrets)) };
  return undo ? { ...outcome, undo } : outcome;
}

/** Text of a thrown error for a summary: the abort reason, a network code, or the message. */
export function errorText(error: unknown, signal: AbortSignal): string {
  if (signal.aborted) return `aborted (${reasonText(signal.reason)})`;
  if (error instanceof Error) {
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    if (cause && typeof cause.code === "string") return `${error.message} (${cause.code})`;
    return error.message;
  }
  return String(error);
}

function reasonText(reason: unknown): string {
  if (reason instanceof Error) return reason.name === "TimeoutError" ? "timed out" : reason.message || reason.name;
  return reason === undefined ? "no reason given" : String(reason);
}

/** One line, capped: a target's error page must not flood the timeline. */
export function oneLine(text: string, limit = SUMMARY_LIMIT): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > limit ? `${flat.slice(0, limit - 1)}…` : flat;
}

/** Throws the signal's reason when it has fired, so no request starts after an abort. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason ?? new Error("aborted");
}
