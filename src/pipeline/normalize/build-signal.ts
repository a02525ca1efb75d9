import { newId } from "../../core/ids.ts";
import { ownValue, setOwn } from "../../core/own.ts";
import type { Severity, Signal } from "../../core/signal.ts";

/** What every mapper knows about the request a signal came in. */
export interface NormalizeContext {
  receivedAt: number;
  /** Source name as authenticated or as given in the path. */
  source: string;
}

const SEVERITY_ALIASES: Record<string, Severity> = {
  critical: "critical",
  crit: "critical",
  fatal: "critical",
  emergency: "critical",
  page: "critical",
  p1: "critical",
  high: "high",
  error: "high",
  major: "high",
  p2: "high",
  medium: "medium",
  warning: "medium",
  warn: "medium",
  moderate: "medium",
  p3: "medium",
  low: "low",
  minor: "low",
  p4: "low",
  info: "info",
  informational: "info",
  none: "info",
  p5: "info",
};

/** Each letter of a word in either case, for a pattern that matches it case-insensitively. */
const caseless = (word: string) => [...word].map((c) => (/[a-z]/.test(c) ? `[${c}${c.toUpperCase()}]` : c)).join("");

/**
 * For the API description: exactly the severity words severityFromText takes, in any case (it also
 * trims surrounding spaces, which the description does not mention).
 */
export const SEVERITY_DOC = { pattern: `^(?:${Object.keys(SEVERITY_ALIASES).map(caseless).join("|")})$` };

/** Maps the severity words sources use onto ours; undefined when the word is unknown. */
export function severityFromText(text: string | undefined): Severity | undefined {
  return text === undefined ? undefined : ownValue(SEVERITY_ALIASES, text.trim().toLowerCase());
}

/** Severity implied by an anomaly score when the source gives none. */
export function severityFromScore(score: number): Severity {
  if (score >= 0.97) return "critical";
  if (score >= 0.9) return "high";
  if (score >= 0.8) return "medium";
  return "low";
}

/** Parses an ISO timestamp or epoch (seconds or milliseconds); undefined when unparseable. */
export function parseTimestamp(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const at = typeof value === "number" ? (value < 1e11 ? Math.round(value * 1000) : Math.round(value)) : Date.parse(value);
  // Outside 1970..9999 a timestamp is a sender's bug, and would not survive a round trip through Date.
  return Number.isFinite(at) && at >= 0 && at <= LATEST ? at : undefined;
}

const LATEST = Date.parse("9999-12-31T23:59:59.999Z");

/**
 * For the API description, what parseTimestamp takes: an RFC 3339 date-time whose year keeps it inside
 * 1970..9999 whatever its offset (1971..9998)…
 */
export const TIMESTAMP_TEXT_DOC = {
  format: "date-time",
  pattern:
    "^(?:197[1-9]|19[89][0-9]|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9])-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-5][0-9]",
};
/** …or epoch seconds (below 1e11) or milliseconds. */
export const TIMESTAMP_NUMBER_DOC = { minimum: 0, maximum: LATEST };

const RAW_LIMIT = 8 * 1024;

/** Keeps an upstream value for the record, but never more than RAW_LIMIT bytes of it. */
function capRaw(raw: unknown): unknown {
  const text = JSON.stringify(raw);
  return text.length <= RAW_LIMIT ? raw : { truncated: true, preview: text.slice(0, RAW_LIMIT) };
}

/**
 * The upstream fields a mapper did not turn into Signal fields, capped; null when it mapped them all.
 * Together with the columns this keeps everything the source said, without storing it twice: the raw
 * document was the largest part of every stored signal, and the store's write volume is its cost.
 */
export function unmappedFields(document: object, mapped: ReadonlySet<string>): unknown {
  let extras: Record<string, unknown> | null = null;
  for (const [key, value] of Object.entries(document)) {
    if (mapped.has(key)) continue;
    extras ??= {};
    setOwn(extras, key, value);
  }
  return extras === null ? null : capRaw(extras);
}

type Required = Pick<Signal, "sourceId" | "service" | "title" | "severity" | "kind">;

/** Fills the fields a mapper did not set with Sluice's defaults. */
export function buildSignal(context: NormalizeContext, fields: Required & Partial<Signal>): Signal {
  return {
    id: newId(context.receivedAt),
    source: context.source,
    receivedAt: context.receivedAt,
    occurredAt: context.receivedAt,
    status: "firing",
    tenant: "default",
    environment: "production",
    score: null,
    message: "",
    errorPattern: "",
    alertKey: null,
    traceId: null,
    spanIds: [],
    labels: {},
    annotations: {},
    links: [],
    affectedUsers: [],
    affectedServices: [],
    raw: null,
    ...fields,
  };
}
