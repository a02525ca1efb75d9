import { isSluiceError } from "../core/errors.ts";
import type { DeadLetterReason, RawRecord } from "../sources/kafka/decode-record.ts";
import { type NormalizedChange, normalizeChanges } from "./normalize-change.ts";

export type DecodedChanges = { changes: NormalizedChange[] } | { reason: DeadLetterReason; detail: string };

/**
 * Turns one record of a changes topic into change events, or says why it goes to the dead-letter
 * topic. A record is one JSON document (any format POST /api/v1/changes accepts) or an array of them,
 * all or nothing. A document without an upstream id takes the record's position as its id, so a
 * redelivered record is recognised.
 */
export function decodeChangeRecord(record: RawRecord, options: { maxRecordBytes: number; receivedAt: number }): DecodedChanges {
  const value = record.value ?? Buffer.alloc(0);
  if (value.length > options.maxRecordBytes) {
    return {
      reason: "oversized",
      detail: `value is ${value.length} bytes; the limit (kafka.maxRecordBytes) is ${options.maxRecordBytes}`,
    };
  }
  let document: unknown;
  try {
    document = JSON.parse(value.toString("utf8"));
  } catch (error) {
    return { reason: "not-json", detail: `value is not JSON: ${(error as Error).message}` };
  }
  const many = Array.isArray(document);
  const items: unknown[] = Array.isArray(document) ? document : [document];
  const position = `kafka:${record.topic}:${record.partition}:${record.offset}`;
  try {
    return {
      changes: normalizeChanges(
        items,
        { receivedAt: options.receivedAt, fallbackId: (index) => (many ? `${position}:${index}` : position) },
        !many,
      ),
    };
  } catch (error) {
    if (!isSluiceError(error)) throw error;
    const problems = error.problems.map((p) => `${p.path}: ${p.message}`).join("; ");
    return { reason: "validation-failed", detail: problems ? `${error.message}: ${problems}` : error.message };
  }
}
