import protobuf from "protobufjs";
import { SluiceError } from "../../core/errors.ts";

// The messages of OTLP/HTTP 1.x that Sluice reads and answers (opentelemetry-proto: collector/trace/v1,
// collector/logs/v1, trace/v1, logs/v1, common/v1, resource/v1), with their field numbers. Protobuf
// skips fields it does not know, so what is left out (metrics, profiles) costs nothing.
const anyValue = {
  oneofs: {
    value: { oneof: ["stringValue", "boolValue", "intValue", "doubleValue", "arrayValue", "kvlistValue", "bytesValue"] },
  },
  fields: {
    stringValue: { type: "string", id: 1 },
    boolValue: { type: "bool", id: 2 },
    intValue: { type: "int64", id: 3 },
    doubleValue: { type: "double", id: 4 },
    arrayValue: { type: "ArrayValue", id: 5 },
    kvlistValue: { type: "KeyValueList", id: 6 },
    bytesValue: { type: "bytes", id: 7 },
  },
};
const keyValue = { fields: { key: { type: "string", id: 1 }, value: { type: "AnyValue", id: 2 } } };
const attributes = (id: number) => ({ rule: "repeated", type: "KeyValue", id });
// Traces and logs nest alike: a resource, its scopes, each scope's items.
const byResource = (scopes: string, scopeType: string) => ({
  fields: {
    resource: { type: "Resource", id: 1 },
    [scopes]: { rule: "repeated", type: scopeType, id: 2 },
    schemaUrl: { type: "string", id: 3 },
  },
});
const byScope = (items: string, itemType: string) => ({
  fields: {
    scope: { type: "InstrumentationScope", id: 1 },
    [items]: { rule: "repeated", type: itemType, id: 2 },
    schemaUrl: { type: "string", id: 3 },
  },
});

const OTLP = {
  nested: {
    AnyValue: anyValue,
    ArrayValue: { fields: { values: { rule: "repeated", type: "AnyValue", id: 1 } } },
    KeyValueList: { fields: { values: attributes(1) } },
    KeyValue: keyValue,
    Resource: { fields: { attributes: attributes(1), droppedAttributesCount: { type: "uint32", id: 2 } } },
    InstrumentationScope: {
      fields: { name: { type: "string", id: 1 }, version: { type: "string", id: 2 }, attributes: attributes(3) },
    },
    ExportTraceServiceRequest: { fields: { resourceSpans: { rule: "repeated", type: "ResourceSpans", id: 1 } } },
    ResourceSpans: byResource("scopeSpans", "ScopeSpans"),
    ScopeSpans: byScope("spans", "Span"),
    Span: {
      fields: {
        traceId: { type: "bytes", id: 1 },
        spanId: { type: "bytes", id: 2 },
        traceState: { type: "string", id: 3 },
        parentSpanId: { type: "bytes", id: 4 },
        flags: { type: "fixed32", id: 16 },
        name: { type: "string", id: 5 },
        kind: { type: "int32", id: 6 },
        startTimeUnixNano: { type: "fixed64", id: 7 },
        endTimeUnixNano: { type: "fixed64", id: 8 },
        attributes: attributes(9),
        droppedAttributesCount: { type: "uint32", id: 10 },
        events: { rule: "repeated", type: "SpanEvent", id: 11 },
        status: { type: "SpanStatus", id: 15 },
      },
    },
    SpanEvent: {
      fields: { timeUnixNano: { type: "fixed64", id: 1 }, name: { type: "string", id: 2 }, attributes: attributes(3) },
    },
    SpanStatus: { fields: { message: { type: "string", id: 2 }, code: { type: "int32", id: 3 } } },
    ExportLogsServiceRequest: { fields: { resourceLogs: { rule: "repeated", type: "ResourceLogs", id: 1 } } },
    ResourceLogs: byResource("scopeLogs", "ScopeLogs"),
    ScopeLogs: byScope("logRecords", "LogRecord"),
    LogRecord: {
      fields: {
        timeUnixNano: { type: "fixed64", id: 1 },
        observedTimeUnixNano: { type: "fixed64", id: 11 },
        severityNumber: { type: "int32", id: 2 },
        severityText: { type: "string", id: 3 },
        body: { type: "AnyValue", id: 5 },
        attributes: attributes(6),
        droppedAttributesCount: { type: "uint32", id: 7 },
        flags: { type: "fixed32", id: 8 },
        traceId: { type: "bytes", id: 9 },
        spanId: { type: "bytes", id: 10 },
        eventName: { type: "string", id: 12 },
      },
    },
    ExportTraceServiceResponse: { fields: { partialSuccess: { type: "ExportTracePartialSuccess", id: 1 } } },
    ExportTracePartialSuccess: { fields: { rejectedSpans: { type: "int64", id: 1 }, errorMessage: { type: "string", id: 2 } } },
    ExportLogsServiceResponse: { fields: { partialSuccess: { type: "ExportLogsPartialSuccess", id: 1 } } },
    ExportLogsPartialSuccess: {
      fields: { rejectedLogRecords: { type: "int64", id: 1 }, errorMessage: { type: "string", id: 2 } },
    },
  },
};

const root = protobuf.Root.fromJSON(OTLP);
const REQUEST = {
  traces: root.lookupType("ExportTraceServiceRequest"),
  logs: root.lookupType("ExportLogsServiceRequest"),
};
const RESPONSE = {
  traces: { type: root.lookupType("ExportTraceServiceResponse"), rejected: "rejectedSpans" },
  logs: { type: root.lookupType("ExportLogsServiceResponse"), rejected: "rejectedLogRecords" },
};

export type OtlpSignal = keyof typeof REQUEST;

// Ids are bytes in protobuf and hex in OTLP/JSON; every other bytes field stays base64, as in OTLP/JSON.
const ID_FIELDS = new Set(["traceId", "spanId", "parentSpanId"]);

/**
 * Decodes an OTLP/HTTP protobuf request into the object its OTLP/JSON form would parse to (camelCase
 * fields, ids in hex, 64-bit integers as strings, enums as numbers), so one decoder serves both encodings.
 */
export function otlpProtobufToJson(signal: OtlpSignal, body: Uint8Array): unknown {
  let message: protobuf.Message;
  try {
    message = REQUEST[signal].decode(body);
  } catch (error) {
    throw new SluiceError(
      "MALFORMED_BODY",
      `the body is not a valid OTLP protobuf ${REQUEST[signal].name}: ${(error as Error).message}`,
    );
  }
  const object = REQUEST[signal].toObject(message, {
    longs: String,
    enums: Number,
    bytes: String,
    arrays: false,
    defaults: false,
  });
  return idsToHex(object);
}

function idsToHex(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(idsToHex);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    out[key] = ID_FIELDS.has(key) && typeof field === "string" ? Buffer.from(field, "base64").toString("hex") : idsToHex(field);
  }
  return out;
}

/** The protobuf ExportTraceServiceResponse / ExportLogsServiceResponse: empty when all was accepted. */
export function otlpProtobufResponse(signal: OtlpSignal, partial?: { rejected: number; errorMessage: string }): Buffer {
  const { type, rejected } = RESPONSE[signal];
  const payload = partial ? { partialSuccess: { [rejected]: partial.rejected, errorMessage: partial.errorMessage } } : {};
  return Buffer.from(type.encode(type.fromObject(payload)).finish());
}
