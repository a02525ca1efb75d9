import { createHash } from "node:crypto";
import type { Signal } from "../../core/signal.ts";
import { maskMessage } from "../../patterns/mask.ts";

/** The error pattern of a signal: its source's own (alerts) or the masked message. */
export function errorPatternOf(signal: Signal): string {
  if (signal.errorPattern) return signal.errorPattern;
  return maskMessage(signal.message || signal.title);
}

/** Same tenant, service, environment and error pattern: same problem. */
export function fingerprintOf(signal: Signal, errorPattern: string): string {
  return createHash("sha256")
    .update(`${signal.tenant}\u0000${signal.service}\u0000${signal.environment}\u0000${errorPattern}`)
    .digest("hex")
    .slice(0, 32);
}
