import type { Signal } from "../core/signal.ts";
import type { Redactor } from "./redactor.ts";

/**
 * Masks secrets and personal data in every free-text part of a signal, in place, before it is stored:
 * what is never kept can never reach a ticket, a chat message, an LLM prompt or a log line.
 */
export function redactSignal(signal: Signal, redactor: Redactor): void {
  signal.title = redactor.redact(signal.title);
  signal.message = redactor.redact(signal.message);
  signal.labels = redactor.redactValue(signal.labels) as Record<string, string>;
  signal.annotations = redactor.redactValue(signal.annotations) as Record<string, string>;
  signal.links = signal.links.map((link) => redactor.redact(link));
  if (signal.raw !== null) signal.raw = redactor.redactValue(signal.raw);
}
