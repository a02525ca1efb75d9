import type { MessageToProduce } from "@platformatic/kafka";
import type { DeadLetterReason } from "../../pipeline/normalize/kafka-record.ts";

/** One record that cannot be ingested, and why. */
export interface DeadLetter {
  topic: string;
  partition: number;
  offset: bigint;
  key: Buffer | undefined;
  value: Buffer | undefined;
  headers: ReadonlyMap<Buffer, Buffer>;
  reason: DeadLetterReason;
  detail: string;
}

/** Headers a dead letter carries besides the original record's own. */
export const DEAD_LETTER_HEADERS = {
  error: "sluice-error",
  detail: "sluice-error-detail",
  topic: "sluice-original-topic",
  partition: "sluice-original-partition",
  offset: "sluice-original-offset",
  truncated: "sluice-original-bytes",
} as const;

const DETAIL_LIMIT = 2048;
/** What is kept of a value the dead-letter topic refused as too large. */
export const TRUNCATED_VALUE_BYTES = 64 * 1024;

/**
 * The dead-letter copy of a record: same key, value and headers, plus why and where it came from.
 * With `truncate`, only the first TRUNCATED_VALUE_BYTES of the value are kept (for a record larger
 * than the dead-letter topic accepts), and the original size is in a header.
 */
export function deadLetterMessage(
  letter: DeadLetter,
  topic: string,
  truncate = false,
): MessageToProduce<Buffer, Buffer, Buffer, Buffer> {
  const headers = new Map<Buffer, Buffer>();
  const ours = new Set<string>(Object.values(DEAD_LETTER_HEADERS));
  for (const [name, value] of letter.headers) {
    // A null header value arrives as undefined; keep the header, empty.
    if (name !== undefined && !ours.has(name.toString("utf8"))) headers.set(name, value ?? Buffer.alloc(0));
  }
  const set = (name: string, value: string) => headers.set(Buffer.from(name), Buffer.from(value));
  set(DEAD_LETTER_HEADERS.error, letter.reason);
  set(DEAD_LETTER_HEADERS.detail, letter.detail.slice(0, DETAIL_LIMIT));
  set(DEAD_LETTER_HEADERS.topic, letter.topic);
  set(DEAD_LETTER_HEADERS.partition, String(letter.partition));
  set(DEAD_LETTER_HEADERS.offset, String(letter.offset));
  let value = letter.value;
  if (truncate && value && value.length > TRUNCATED_VALUE_BYTES) {
    set(DEAD_LETTER_HEADERS.truncated, String(value.length));
    value = value.subarray(0, TRUNCATED_VALUE_BYTES);
  }
  const message: MessageToProduce<Buffer, Buffer, Buffer, Buffer> = { topic, headers };
  if (letter.key !== undefined) message.key = letter.key;
  if (value !== undefined) message.value = value;
  return message;
}

/** True when the broker refused a produce because a record (or the request) is too large. */
export function isTooLarge(error: unknown): boolean {
  const text = [error, (error as { cause?: unknown })?.cause, ...((error as { errors?: unknown[] })?.errors ?? [])]
    .map((e) => (e instanceof Error ? `${e.message} ${JSON.stringify(e)}` : String(e)))
    .join(" ");
  return /MESSAGE_TOO_LARGE|RECORD_LIST_TOO_LARGE|too large/i.test(text);
}
