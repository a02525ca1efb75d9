import { type FieldProblem, SluiceError } from "../../core/errors.ts";
import { ownValue } from "../../core/own.ts";
import { SPAN_KINDS, type SpanKind, type SpanRecord } from "../../core/trace.ts";

/** Where spans land when their resource does not say (resource attributes win). */
export interface OtlpDefaults {
  tenant: string;
  environment: string;
}

/** Spans decoded from one export request. */
export interface DecodedTraces {
  spans: SpanRecord[];
}

export type Attributes = Map<string, string | number | boolean>;

export const TRACE_ID = /^[0-9a-fA-F]{32}$/;
export const SPAN_ID = /^[0-9a-fA-F]{16}$/;
const NANOS = /^\d{1,20}$/;
const MAX_PROBLEMS = 20;
export const MAX_NAME = 256;
export const MAX_MESSAGE = 1000;

// The JSON mapping of protobuf writes enums as integers, but accepts their names; some senders use names.
const KIND_NAMES: Record<string, SpanKind> = {
  SPAN_KIND_UNSPECIFIED: "unspecified",
  SPAN_KIND_INTERNAL: "internal",
  SPAN_KIND_SERVER: "server",
  SPAN_KIND_CLIENT: "client",
  SPAN_KIND_PRODUCER: "producer",
  SPAN_KIND_CONSUMER: "consumer",
};
const STATUS_NAMES: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };

export class Problems {
  readonly list: FieldProblem[] = [];
  add(path: string, message: string): void {
    if (this.list.length < MAX_PROBLEMS) this.list.push({ path, message });
  }

  /** Any problem makes the whole request a MALFORMED_BODY naming each bad field (up to 20). */
  throwIfAny(what: "traces" | "logs"): void {
    const first = this.list[0];
    if (!first) return;
    const more = this.list.length > 1 ? ` (and ${this.list.length - 1} more)` : "";
    throw new SluiceError("MALFORMED_BODY", `invalid OTLP ${what}: ${first.path} ${first.message}${more}`, {
      problems: this.list,
    });
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A field by its lowerCamelCase name, or the proto name protobuf's JSON parsers also accept. */
export function field(object: Record<string, unknown>, camel: string, snake?: string): unknown {
  const value = object[camel];
  return value === undefined && snake !== undefined ? object[snake] : value;
}

/** A repeated field: missing is empty (proto3), anything but an array is a problem. */
export function list(
  object: Record<string, unknown>,
  path: string,
  problems: Problems,
  camel: string,
  snake?: string,
): unknown[] {
  const value = field(object, camel, snake);
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    problems.add(`${path}${camel}`, "must be an array");
    return [];
  }
  return value;
}

export function attributes(value: unknown[], path: string, problems: Problems): Attributes {
  const out: Attributes = new Map();
  value.forEach((entry, i) => {
    const at = `${path}[${i}]`;
    if (!isObject(entry) || typeof entry.key !== "string") {
      problems.add(`${at}.key`, "must be a string");
      return;
    }
    const v = entry.value;
    if (v === undefined || v === null) return;
    if (!isObject(v)) {
      problems.add(`${at}.value`, "must be an AnyValue object");
      return;
    }
    const scalar = anyValue(v);
    if (scalar === undefined) {
      problems.add(
        `${at}.value`,
        "has no valid stringValue, boolValue, intValue, doubleValue, arrayValue, kvlistValue or bytesValue",
      );
      return;
    }
    if (scalar !== null) out.set(entry.key, scalar);
  });
  return out;
}

/** The scalar an AnyValue holds; null for the composite kinds (kept out of the span), undefined when invalid. */
export function anyValue(v: Record<string, unknown>): string | number | boolean | null | undefined {
  const s = field(v, "stringValue", "string_value");
  if (typeof s === "string") return s;
  const b = field(v, "boolValue", "bool_value");
  if (typeof b === "boolean") return b;
  const i = field(v, "intValue", "int_value");
  if (typeof i === "number" && Number.isInteger(i)) return i;
  if (typeof i === "string" && /^-?\d+$/.test(i)) return Number(i);
  const d = field(v, "doubleValue", "double_value");
  if (typeof d === "number") return d;
  for (const [camel, snake] of [
    ["arrayValue", "array_value"],
    ["kvlistValue", "kvlist_value"],
    ["bytesValue", "bytes_value"],
  ] as const) {
    if (field(v, camel, snake) !== undefined) return null;
  }
  // An AnyValue with no value set is valid protobuf (an empty attribute).
  return Object.keys(v).length === 0 ? null : undefined;
}

export function text(attrs: Attributes, ...keys: string[]): string | null {
  for (const key of keys) {
    const value = attrs.get(key);
    if (value !== undefined && value !== "") return String(value);
  }
  return null;
}

/** Epoch nanoseconds (a decimal string or an integer) as epoch microseconds; undefined when invalid. */
export function micros(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isInteger(value) && value >= 0) return Math.floor(value / 1000);
  if (typeof value === "string" && NANOS.test(value)) return Number(BigInt(value) / 1000n);
  return undefined;
}

export function hexId(value: unknown, pattern: RegExp): string | undefined {
  if (typeof value !== "string" || !pattern.test(value) || /^0+$/.test(value)) return undefined;
  return value.toLowerCase();
}

function kindOf(value: unknown): SpanKind | undefined {
  if (value === undefined || value === null) return "unspecified";
  if (typeof value === "number" && Number.isInteger(value)) return SPAN_KINDS[value];
  if (typeof value === "string") return ownValue(KIND_NAMES, value);
  return undefined;
}

/**
 * Who a client or producer span calls, for when the callee sends no spans of its own (a database, a
 * broker, a third-party API): peer.service, else the database, else the messaging destination, else the host.
 */
export function peerName(attrs: Attributes): string | null {
  const peer = text(attrs, "peer.service");
  if (peer) return peer;
  const db = text(attrs, "db.system.name", "db.system");
  if (db) {
    const name = text(attrs, "db.namespace", "db.name");
    return name ? `${db}/${name}` : db;
  }
  const destination = text(attrs, "messaging.destination.name", "messaging.destination");
  if (destination) {
    const system = text(attrs, "messaging.system");
    return system ? `${system}/${destination}` : destination;
  }
  return text(attrs, "server.address", "net.peer.name", "http.host");
}

/** The service, tenant and environment a resource's attributes name (the defaults where they name none). */
export function resourceOf(
  container: Record<string, unknown>,
  path: string,
  problems: Problems,
  defaults: OtlpDefaults,
): { service: string; tenant: string; environment: string; attributes: Attributes } {
  const resource = field(container, "resource");
  let attrs: Attributes = new Map();
  if (resource !== undefined && resource !== null) {
    if (isObject(resource)) {
      attrs = attributes(list(resource, `${path}.resource.`, problems, "attributes"), `${path}.resource.attributes`, problems);
    } else problems.add(`${path}.resource`, "must be an object");
  }
  return {
    service: cap(text(attrs, "service.name") ?? "unknown_service", MAX_NAME),
    tenant: text(attrs, "sluice.tenant", "tenant.id") ?? defaults.tenant,
    environment: text(attrs, "deployment.environment.name", "deployment.environment") ?? defaults.environment,
    attributes: attrs,
  };
}

export function cap(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max - 1)}…`;
}

/**
 * Decodes an OTLP/HTTP JSON ExportTraceServiceRequest into span records. Any invalid field makes the
 * whole request a MALFORMED_BODY naming each bad field (up to 20): a sender's encoding bug should be
 * loud, not a trickle of silently missing spans.
 */
export function decodeOtlpTraces(body: unknown, defaults: OtlpDefaults): DecodedTraces {
  const problems = new Problems();
  const spans: SpanRecord[] = [];
  if (!isObject(body)) {
    throw new SluiceError("MALFORMED_BODY", "the body must be an OTLP ExportTraceServiceRequest object", {
      problems: [{ path: "(body)", message: "must be a JSON object with resourceSpans" }],
    });
  }
  list(body, "", problems, "resourceSpans", "resource_spans").forEach((resourceSpans, r) => {
    const rPath = `resourceSpans[${r}]`;
    if (!isObject(resourceSpans)) {
      problems.add(rPath, "must be an object");
      return;
    }
    const { service, tenant, environment } = resourceOf(resourceSpans, rPath, problems, defaults);
    const scopes = list(resourceSpans, `${rPath}.`, problems, "scopeSpans", "scope_spans");
    scopes.forEach((scopeSpans, s) => {
      const sPath = `${rPath}.scopeSpans[${s}]`;
      if (!isObject(scopeSpans)) {
        problems.add(sPath, "must be an object");
        return;
      }
      list(scopeSpans, `${sPath}.`, problems, "spans").forEach((span, n) => {
        const path = `${sPath}.spans[${n}]`;
        const record = decodeSpan(span, path, problems, { service, tenant, environment });
        if (record) spans.push(record);
      });
    });
  });
  problems.throwIfAny("traces");
  return { spans };
}

function decodeSpan(
  span: unknown,
  path: string,
  problems: Problems,
  resource: { service: string; tenant: string; environment: string },
): SpanRecord | null {
  if (!isObject(span)) {
    problems.add(path, "must be an object");
    return null;
  }
  const before = problems.list.length;
  const traceId = hexId(field(span, "traceId", "trace_id"), TRACE_ID);
  if (!traceId) problems.add(`${path}.traceId`, "must be 32 hex digits, not all zero");
  const spanId = hexId(field(span, "spanId", "span_id"), SPAN_ID);
  if (!spanId) problems.add(`${path}.spanId`, "must be 16 hex digits, not all zero");
  const rawParent = field(span, "parentSpanId", "parent_span_id");
  let parentId: string | null = null;
  if (rawParent !== undefined && rawParent !== null && rawParent !== "") {
    parentId = hexId(rawParent, SPAN_ID) ?? null;
    if (!parentId) problems.add(`${path}.parentSpanId`, "must be 16 hex digits or empty");
  }
  const name = field(span, "name");
  if (name !== undefined && typeof name !== "string") problems.add(`${path}.name`, "must be a string");
  const kind = kindOf(field(span, "kind"));
  if (!kind) problems.add(`${path}.kind`, "must be a SpanKind (0..5 or SPAN_KIND_…)");
  const startUs = micros(field(span, "startTimeUnixNano", "start_time_unix_nano"));
  if (startUs === undefined) problems.add(`${path}.startTimeUnixNano`, "must be epoch nanoseconds (a decimal string or integer)");
  const endUs = micros(field(span, "endTimeUnixNano", "end_time_unix_nano"));
  if (endUs === undefined) problems.add(`${path}.endTimeUnixNano`, "must be epoch nanoseconds (a decimal string or integer)");
  else if (startUs !== undefined && endUs < startUs)
    problems.add(`${path}.endTimeUnixNano`, "must not be before startTimeUnixNano");
  const attrs = attributes(list(span, `${path}.`, problems, "attributes"), `${path}.attributes`, problems);

  let error = false;
  let errorMessage: string | null = null;
  const status = field(span, "status");
  if (status !== undefined && status !== null) {
    if (!isObject(status)) problems.add(`${path}.status`, "must be an object");
    else {
      const code = status.code;
      const numeric = typeof code === "string" ? ownValue(STATUS_NAMES, code) : code;
      if (code !== undefined && (typeof numeric !== "number" || ![0, 1, 2].includes(numeric))) {
        problems.add(`${path}.status.code`, "must be 0 (unset), 1 (ok) or 2 (error)");
      }
      if (status.message !== undefined && typeof status.message !== "string") {
        problems.add(`${path}.status.message`, "must be a string");
      }
      error = numeric === 2;
      if (error && typeof status.message === "string" && status.message) errorMessage = status.message;
    }
  }
  list(span, `${path}.`, problems, "events").forEach((event, e) => {
    if (!isObject(event)) {
      problems.add(`${path}.events[${e}]`, "must be an object");
      return;
    }
    if (event.name !== "exception") return;
    const eventAttrs = attributes(
      list(event, `${path}.events[${e}].`, problems, "attributes"),
      `${path}.events[${e}].attributes`,
      problems,
    );
    // The exception is the better message when the status has none (many instrumentations set only the code).
    if (error && errorMessage === null) errorMessage = text(eventAttrs, "exception.message", "exception.type");
  });
  if (problems.list.length > before || !traceId || !spanId || !kind || startUs === undefined || endUs === undefined) return null;
  return {
    traceId,
    spanId,
    parentId,
    tenant: resource.tenant,
    environment: resource.environment,
    service: resource.service,
    name: cap(typeof name === "string" ? name : "", MAX_NAME),
    kind,
    startUs,
    endUs,
    error,
    errorMessage: errorMessage === null ? null : cap(errorMessage, MAX_MESSAGE),
    peer: kind === "client" || kind === "producer" ? peerName(attrs) : null,
    userId: text(attrs, "enduser.id", "user.id"),
  };
}
