import { isHashedUser } from "../core/enrichment.ts";
import type { Signal } from "../core/signal.ts";
import type { Pseudonym } from "./keyed-hash.ts";
import type { Redactor } from "./redactor.ts";

/** How the typed identities of a signal are kept; without it ids and users are only redacted as text. */
export interface IdentityRedaction {
  pseudonym: Pseudonym;
  /**
   * `hash`: every affected user is kept as `u:<keyed hash>` (countable, not readable). `keep`: user ids
   * stay as sent, except those the redactor would mask (an e-mail, a token), which are hashed.
   */
  affectedUsers: "hash" | "keep";
}

// A source may hand the same signal object in again (Kafka retries a batch the runner refused): once only.
const done = new WeakSet<Signal>();

/**
 * Masks secrets and personal data in every part of a signal a person or program upstream could type,
 * in place, before it is stored: what is never kept can never reach a ticket, a chat message, an LLM
 * prompt or a log line. Texts are masked; label and annotation keys too; ids that hold a secret keep
 * the mask plus a keyed hash of the original (`[REDACTED:kind]#<hash>`), so a re-sent signal is still
 * recognised as a duplicate and two different ids stay different.
 */
export function redactSignal(signal: Signal, redactor: Redactor, identities?: IdentityRedaction): void {
  if (done.has(signal)) return;
  done.add(signal);
  const id = (value: string): string => {
    const masked = redactor.redact(value);
    if (masked === value) return value;
    return identities ? `${masked}#${identities.pseudonym(value)}` : masked;
  };
  signal.title = redactor.redact(signal.title);
  signal.message = redactor.redact(signal.message);
  signal.labels = redactor.redactValue(signal.labels) as Record<string, string>;
  signal.annotations = redactor.redactValue(signal.annotations) as Record<string, string>;
  signal.links = signal.links.map((link) => redactor.redact(link));
  if (signal.raw !== null) signal.raw = redactor.redactValue(signal.raw);
  signal.sourceId = id(signal.sourceId);
  if (signal.resolveSourceId !== undefined) signal.resolveSourceId = id(signal.resolveSourceId);
  if (signal.alertKey !== null) signal.alertKey = id(signal.alertKey);
  if (signal.traceId !== null) signal.traceId = id(signal.traceId);
  signal.spanIds = signal.spanIds.map(id);
  signal.tenant = id(signal.tenant);
  signal.service = id(signal.service);
  signal.environment = id(signal.environment);
  signal.affectedServices = signal.affectedServices.map(id);
  signal.affectedUsers = signal.affectedUsers.map((user) => {
    if (!identities) return redactor.redact(user);
    if (isHashedUser(user)) return user;
    if (identities.affectedUsers === "keep" && redactor.redact(user) === user) return user;
    return `u:${identities.pseudonym(user)}`;
  });
}
