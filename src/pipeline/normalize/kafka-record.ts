import { SUPPORTED_SCHEMA_VERSIONS } from "../../config/kafka-config.ts";
import { isSluiceError } from "../../core/errors.ts";
import type { Signal } from "../../core/signal.ts";
import { shapeProblem } from "./json-shape.ts";
import { normalizeItems } from "./normalize-items.ts";

/** Why a record went to the dead-letter topic; the value of its `sluice-error` header. */
export type DeadLetterReason = "oversized" | "not-json" | "unknown-schema-version" | "validation-failed";

/** The parts of a Kafka record the decoder reads. */
export interface RawRecord {
  topic: string;
  partition: number;
  offset: bigint;
  value: Buffer | undefined;
  headers: ReadonlyMap<string, string>;
}

export type Decoded = { signals: Signal[] } | DeadLetter;

/** The record header and document field naming the schema version of a record. */
export const SCHEMA_VERSION_KEY = "schema_version";

/** Why a record cannot be ingested, for its dead-letter headers. */
export interface DeadLetter {
  reason: DeadLetterReason;
  detail: string;
}

/** Why a record is refused before it is read: its value is larger than kafka.maxRecordBytes. */
export function oversized(record: RawRecord, maxRecordBytes: number): DeadLetter | undefined {
  const length = record.value?.length ?? 0;
  if (length <= maxRecordBytes) return undefined;
  return { reason: "oversized", detail: `value is ${length} bytes; the limit (kafka.maxRecordBytes) is ${maxRecordBytes}` };
}

/** The record's value as one JSON document, or why it goes to the dead-letter topic. */
export function parseRecordValue(record: RawRecord): { document: unknown } | DeadLetter {
  let document: unknown;
  try {
    document = JSON.parse((record.value ?? Buffer.alloc(0)).toString("utf8"));
  } catch (error) {
    return { reason: "not-json", detail: `value is not JSON: ${(error as Error).message}` };
  }
  const found = shapeProblem(document);
  return found ? { reason: "validation-failed", detail: `${found.problem.path}: ${found.problem.message}` } : { document };
}

/** A normalizer's VALIDATION_FAILED as a dead letter naming every problem; anything else is rethrown. */
export function validationDeadLetter(error: unknown): DeadLetter {
  if (!isSluiceError(error)) throw error;
  const problems = error.problems.map((p) => `${p.path}: ${p.message}`).join("; ");
  return { reason: "validation-failed", detail: problems ? `${error.message}: ${problems}` : error.message };
}

/**
 * Turns one record into signals, or says why it cannot be ingested. A record is one JSON document:
 * an anomaly event or a generic signal, or an array of them (all or nothing, like an HTTP request).
 * Its schema version comes from a `schema_version` header or a top-level `schema_version` field of
 * each document (string or number); absent means "1", and both must be supported when both are given.
 */
export function decodeRecord(record: RawRecord, options: { maxRecordBytes: number; receivedAt: number }): Decoded {
  const tooLarge = oversized(record, options.maxRecordBytes);
  if (tooLarge) return tooLarge;
  const headerVersion = record.headers.get(SCHEMA_VERSION_KEY);
  if (headerVersion !== undefined && !SUPPORTED_SCHEMA_VERSIONS.includes(headerVersion.trim())) {
    return unknownVersion(`header ${SCHEMA_VERSION_KEY}`, headerVersion);
  }
  const parsed = parseRecordValue(record);
  if ("reason" in parsed) return parsed;
  const { document } = parsed;
  const items = Array.isArray(document) ? document : [document];
  const prepared: unknown[] = [];
  for (const [index, item] of items.entries()) {
    if (item === null || typeof item !== "object" || Array.isArray(item)) {
      prepared.push(item);
      continue;
    }
    const { [SCHEMA_VERSION_KEY]: version, ...rest } = item as Record<string, unknown>;
    if (version !== undefined && !SUPPORTED_SCHEMA_VERSIONS.includes(String(version).trim())) {
      return unknownVersion(
        Array.isArray(document) ? `field [${index}].${SCHEMA_VERSION_KEY}` : `field ${SCHEMA_VERSION_KEY}`,
        version,
      );
    }
    // A generic signal without an upstream id would become a new signal on every redelivery; the
    // record's position is a stable id, so at-least-once delivery stays harmless.
    if (!("event_id" in rest) && !("anomaly_score" in rest) && rest.sourceId === undefined) {
      const suffix = Array.isArray(document) ? `:${index}` : "";
      rest.sourceId = `kafka:${record.topic}:${record.partition}:${record.offset}${suffix}`;
    }
    prepared.push(rest);
  }
  try {
    return {
      signals: normalizeItems(
        prepared,
        { receivedAt: options.receivedAt, source: `kafka:${record.topic}` },
        !Array.isArray(document),
      ),
    };
  } catch (error) {
    return validationDeadLetter(error);
  }
}

function unknownVersion(where: string, version: unknown): Decoded {
  return {
    reason: "unknown-schema-version",
    detail: `${where} is ${JSON.stringify(version)}; supported: ${SUPPORTED_SCHEMA_VERSIONS.join(", ")}`,
  };
}
