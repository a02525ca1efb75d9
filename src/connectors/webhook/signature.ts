import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "x-sluice-signature";
export const TIMESTAMP_HEADER = "x-sluice-timestamp";
export const IDEMPOTENCY_HEADER = "idempotency-key";
/** The outbox row's id: one per change, the same on every retry (the body's `deliveryId`). */
export const DELIVERY_HEADER = "x-sluice-delivery";

/** Headers Sluice sets itself; configured extra headers may not replace them. */
export const RESERVED_HEADERS: readonly string[] = [
  "content-type",
  IDEMPOTENCY_HEADER,
  DELIVERY_HEADER,
  TIMESTAMP_HEADER,
  SIGNATURE_HEADER,
];

/** Receivers should refuse signatures older than this, so a captured request cannot be replayed later. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/**
 * The X-Sluice-Signature value: `sha256=` + hex HMAC-SHA256 of `<timestamp>.<body>`.
 * The timestamp is inside the MAC so it cannot be changed to dodge the receiver's replay window.
 */
export function signPayload(secret: string, timestampSeconds: number, body: string): string {
  const mac = createHmac("sha256", secret).update(`${timestampSeconds}.${body}`, "utf8").digest("hex");
  return `sha256=${mac}`;
}

/** Why a signature was refused, or null when it is valid; what a receiver (or a test) runs. */
export function signatureProblem(
  secret: string,
  headers: { signature: string | undefined; timestamp: string | undefined },
  body: string,
  nowSeconds: number,
  toleranceSeconds: number = DEFAULT_TOLERANCE_SECONDS,
): string | null {
  if (!headers.signature) return "missing X-Sluice-Signature";
  if (!headers.timestamp || !/^\d+$/.test(headers.timestamp)) return "missing or malformed X-Sluice-Timestamp";
  const timestamp = Number(headers.timestamp);
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return "timestamp outside the tolerance window";
  const expected = Buffer.from(signPayload(secret, timestamp, body));
  const actual = Buffer.from(headers.signature);
  // Constant-time comparison so the MAC cannot be discovered byte by byte from response timing.
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return "signature mismatch";
  return null;
}
