import { timingSafeEqual } from "node:crypto";

/** The first value of a header Node may have parsed into a list. */
export function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Whether a presented signature equals the expected one, compared in constant time. */
export function signatureMatches(expected: string, presented: string | undefined): boolean {
  if (!presented) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(presented.trim());
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The parsed body, or undefined when it is not JSON (the handler's parse() reports that properly). */
export function safeJson(rawBody: Buffer): unknown {
  try {
    return JSON.parse(rawBody.toString("utf8"));
  } catch {
    return undefined;
  }
}
