import { createHash } from "node:crypto";
import { type LogLevel, SEVERITY_NUMBERS } from "../../config/otlp-logs-config.ts";
import { SluiceError } from "../../core/errors.ts";
import { setOwn } from "../../core/own.ts";
import type { Severity, Signal } from "../../core/signal.ts";
import { buildSignal } from "./build-signal.ts";
import {
  type Attributes,
  attributes,
  cap,
  field,
  hexId,
  isObject,
  list,
  MAX_MESSAGE,
  micros,
  type OtlpDefaults,
  Problems,
  resourceOf,
  SPAN_ID,
  TRACE_ID,
  text,
} from "./otlp-json.ts";

/** The source name of signals made from OTLP log records. */
export const OTLP_LOGS_SOURCE = "otlp-logs";

/** What a logs request holds: signals for records at or above the minimum severity, and how many were below it. */
export interface DecodedLogs {
  signals: Signal[];
  belowSeverity: number;
}

const MAX_LABELS = 50;
const MAX_LABEL = 256;
const MAX_TITLE = 120;
const SEVERITY_NAME = /^SEVERITY_NUMBER_(TRACE|DEBUG|INFO|WARN|ERROR|FATAL)(\d)?$/;

/**
 * Decodes an OTLP/HTTP JSON ExportLogsServiceRequest. Each record at or above `minimumLevel` becomes a
 * firing signal of its resource's service: the message is the body (or the exception's type and message),
 * the record's trace and span ids, attributes and `severityText` are kept, and its id is a hash of what
 * the record says, so an exporter's retry is a duplicate. Records below the level are only counted. Any
 * invalid field makes the whole request a MALFORMED_BODY naming each bad field, as for traces.
 */
export function decodeOtlpLogs(
  body: unknown,
  defaults: OtlpDefaults & { minimumLevel: LogLevel },
  receivedAt: number,
): DecodedLogs {
  if (!isObject(body)) {
    throw new SluiceError("MALFORMED_BODY", "the body must be an OTLP ExportLogsServiceRequest object", {
      problems: [{ path: "(body)", message: "must be a JSON object with resourceLogs" }],
    });
  }
  const problems = new Problems();
  const signals: Signal[] = [];
  let belowSeverity = 0;
  const minimum = SEVERITY_NUMBERS[defaults.minimumLevel];
  list(body, "", problems, "resourceLogs", "resource_logs").forEach((resourceLogs, r) => {
    const rPath = `resourceLogs[${r}]`;
    if (!isObject(resourceLogs)) {
      problems.add(rPath, "must be an object");
      return;
    }
    const resource = resourceOf(resourceLogs, rPath, problems, defaults);
    list(resourceLogs, `${rPath}.`, problems, "scopeLogs", "scope_logs").forEach((scopeLogs, s) => {
      const sPath = `${rPath}.scopeLogs[${s}]`;
      if (!isObject(scopeLogs)) {
        problems.add(sPath, "must be an object");
        return;
      }
      list(scopeLogs, `${sPath}.`, problems, "logRecords", "log_records").forEach((record, n) => {
        const path = `${sPath}.logRecords[${n}]`;
        const decoded = decodeRecord(record, path, problems, resource, receivedAt);
        if (!decoded) return;
        if (decoded.level < minimum) belowSeverity++;
        else signals.push(decoded.signal);
      });
    });
  });
  problems.throwIfAny("logs");
  return { signals, belowSeverity };
}

function decodeRecord(
  record: unknown,
  path: string,
  problems: Problems,
  resource: { service: string; tenant: string; environment: string },
  receivedAt: number,
): { level: number; signal: Signal } | null {
  if (!isObject(record)) {
    problems.add(path, "must be an object");
    return null;
  }
  const before = problems.list.length;
  const timeNanos = nanos(field(record, "timeUnixNano", "time_unix_nano"), `${path}.timeUnixNano`, problems);
  const observedNanos = nanos(
    field(record, "observedTimeUnixNano", "observed_time_unix_nano"),
    `${path}.observedTimeUnixNano`,
    problems,
  );
  const severityText = field(record, "severityText", "severity_text");
  if (severityText !== undefined && severityText !== null && typeof severityText !== "string") {
    problems.add(`${path}.severityText`, "must be a string");
  }
  const level = levelOf(field(record, "severityNumber", "severity_number"), typeof severityText === "string" ? severityText : "");
  if (level === undefined) problems.add(`${path}.severityNumber`, "must be 0–24 or a SEVERITY_NUMBER_* name");
  const traceId = optionalId(field(record, "traceId", "trace_id"), TRACE_ID, `${path}.traceId`, "32", problems);
  const spanId = optionalId(field(record, "spanId", "span_id"), SPAN_ID, `${path}.spanId`, "16", problems);
  const attrs = attributes(list(record, `${path}.`, problems, "attributes"), `${path}.attributes`, problems);
  const rawBody = field(record, "body");
  if (rawBody !== undefined && rawBody !== null && !isObject(rawBody)) problems.add(`${path}.body`, "must be an AnyValue object");
  if (problems.list.length > before || level === undefined) return null;

  const bodyText = isObject(rawBody) ? renderAnyValue(rawBody) : "";
  const exception = [text(attrs, "exception.type"), text(attrs, "exception.message")].filter(Boolean).join(": ");
  const message = cap(bodyText || exception || "(empty log record)", MAX_MESSAGE);
  const occurredMs = Math.floor((micros(timeNanos || observedNanos || "0") ?? 0) / 1000) || receivedAt;
  const sourceId = createHash("sha256")
    .update([resource.tenant, resource.service, timeNanos, observedNanos, traceId ?? "", spanId ?? "", message].join("\u0000"))
    .digest("hex")
    .slice(0, 32);
  const signal = buildSignal(
    { receivedAt, source: OTLP_LOGS_SOURCE },
    {
      sourceId,
      kind: "anomaly",
      tenant: resource.tenant,
      service: resource.service,
      environment: resource.environment,
      severity: severityOf(level),
      occurredAt: occurredMs,
      title: `${resource.service}: ${cap(message.split("\n", 1)[0] ?? message, MAX_TITLE)}`,
      message,
      traceId: traceId ?? null,
      spanIds: spanId ? [spanId] : [],
      labels: labelsOf(attrs, typeof severityText === "string" ? severityText : ""),
    },
  );
  return { level, signal };
}

/** A nanosecond timestamp as its decimal string; "" when absent or zero ("unknown" in OTLP). */
function nanos(value: unknown, path: string, problems: Problems): string {
  if (value === undefined || value === null || value === 0 || value === "0" || value === "") return "";
  if (micros(value) === undefined) {
    problems.add(path, "must be epoch nanoseconds (a decimal string or an integer)");
    return "";
  }
  return String(value);
}

/** A trace or span id that may be absent or empty (a log outside any span). */
function optionalId(value: unknown, pattern: RegExp, path: string, digits: string, problems: Problems): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const id = hexId(value, pattern);
  if (!id && !(typeof value === "string" && /^0+$/.test(value))) problems.add(path, `must be ${digits} hex digits or empty`);
  return id;
}

/** The record's severity number; from severityText when the number is unset (0); undefined when invalid. */
function levelOf(value: unknown, severityText: string): number | undefined {
  let number: number | undefined;
  if (value === undefined || value === null) number = 0;
  else if (typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 24) number = value;
  else if (typeof value === "string") {
    const match = SEVERITY_NAME.exec(value);
    if (value === "SEVERITY_NUMBER_UNSPECIFIED") number = 0;
    else if (match) number = SEVERITY_NUMBERS[match[1]?.toLowerCase() as LogLevel] + Math.max(0, Number(match[2] ?? 1) - 1);
  }
  if (number === undefined) return undefined;
  if (number > 0) return number;
  const named = severityText
    .trim()
    .toLowerCase()
    .replace(/^warning$/, "warn")
    .replace(/^critical$/, "fatal");
  return named in SEVERITY_NUMBERS ? SEVERITY_NUMBERS[named as LogLevel] : 0;
}

function severityOf(level: number): Severity {
  if (level >= SEVERITY_NUMBERS.fatal) return "critical";
  if (level >= SEVERITY_NUMBERS.error) return "high";
  if (level >= SEVERITY_NUMBERS.warn) return "medium";
  return "low";
}

/** The record's attributes as labels (strings, bounded), plus its severityText. */
function labelsOf(attrs: Attributes, severityText: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [key, value] of attrs) {
    if (Object.keys(labels).length >= MAX_LABELS) break;
    // The stack trace is long and varies per occurrence; the message already names the exception.
    if (key === "exception.stacktrace") continue;
    setOwn(labels, cap(key, MAX_LABEL), cap(String(value), MAX_LABEL));
  }
  if (severityText) labels.severity_text = cap(severityText, MAX_LABEL);
  return labels;
}

/** An AnyValue as text: a string as it is, anything else as compact JSON of its plain value. */
function renderAnyValue(value: Record<string, unknown>): string {
  const plain = plainValue(value, 0);
  if (plain === undefined || plain === null) return "";
  return typeof plain === "string" ? plain : JSON.stringify(plain);
}

function plainValue(value: unknown, depth: number): unknown {
  if (!isObject(value) || depth > 8) return undefined;
  for (const key of ["stringValue", "boolValue", "doubleValue"]) if (value[key] !== undefined) return value[key];
  if (value.intValue !== undefined) return Number(value.intValue);
  const array = field(value, "arrayValue", "array_value");
  if (isObject(array)) return (Array.isArray(array.values) ? array.values : []).map((v) => plainValue(v, depth + 1));
  const kvlist = field(value, "kvlistValue", "kvlist_value");
  if (isObject(kvlist)) {
    const out: Record<string, unknown> = {};
    for (const entry of Array.isArray(kvlist.values) ? kvlist.values : []) {
      if (isObject(entry) && typeof entry.key === "string") setOwn(out, entry.key, plainValue(entry.value, depth + 1));
    }
    return out;
  }
  return undefined;
}
