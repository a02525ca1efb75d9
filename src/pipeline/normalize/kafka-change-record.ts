import type { NormalizedChange } from "../../core/change.ts";
import { type DeadLetter, oversized, parseRecordValue, type RawRecord, validationDeadLetter } from "./kafka-record.ts";
import { normalizeChanges } from "./normalize-change.ts";

export type DecodedChanges = { changes: NormalizedChange[] } | DeadLetter;

/**
 * Turns one record of a changes topic into change events, or says why it goes to the dead-letter
 * topic. A record is one JSON document (any format POST /api/v1/changes accepts) or an array of them,
 * all or nothing. A document without an upstream id takes the record's position as its id, so a
 * redelivered record is recognised.
 */
export function decodeChangeRecord(record: RawRecord, options: { maxRecordBytes: number; receivedAt: number }): DecodedChanges {
  const parsed = oversized(record, options.maxRecordBytes) ?? parseRecordValue(record);
  if ("reason" in parsed) return parsed;
  const { document } = parsed;
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
    return validationDeadLetter(error);
  }
}
