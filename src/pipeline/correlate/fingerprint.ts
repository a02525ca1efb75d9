import { createHash } from "node:crypto";
import type { Signal } from "../../core/signal.ts";
import { maskMessage } from "../../patterns/mask.ts";
import type { IdentifiedPattern, PatternCatalog } from "../../patterns/pattern-catalog.ts";

/** The error pattern of a signal without a miner: its source's own (alerts) or the masked message. */
export function errorPatternOf(signal: Signal): string {
  if (signal.errorPattern) return signal.errorPattern;
  return maskMessage(signal.message || signal.title);
}

/** Same tenant, service, environment and error pattern (its id, or an alert's own identity): same problem. */
export function fingerprintOf(signal: Pick<Signal, "tenant" | "service" | "environment">, patternKey: string): string {
  return createHash("sha256")
    .update(`${signal.tenant}\u0000${signal.service}\u0000${signal.environment}\u0000${patternKey}`)
    .digest("hex")
    .slice(0, 32);
}

// Signals whose errorPattern this stage wrote. A batch that fails after mining (a conflict storm, the
// database gone) is submitted again with the same objects: without this mark the retry would take the
// mined template for a pattern a source sent, key the fingerprint on its text instead of the pattern's
// id, and open a second incident for the same problem.
const mined = new WeakSet<Signal>();

/** A signal's problem identity: its fingerprint, and the mined pattern in it (null when a source named the problem). */
export interface Fingerprinted {
  fingerprint: string;
  patternId: string | null;
}

/**
 * Mines the signals' messages and returns their fingerprints; sets each signal's `errorPattern` to the
 * template people read. The fingerprint takes the pattern's id, which stays while the template
 * generalises and is the same in every replica (docs/adr/0006-pattern-ids.md). A signal that brings
 * its own pattern (an alert's identity) keeps it and is not mined; one mined before is mined again.
 */
export async function fingerprintSignals(signals: readonly Signal[], catalog: PatternCatalog): Promise<Fingerprinted[]> {
  const keys: string[] = new Array(signals.length);
  const patternIds: (string | null)[] = new Array(signals.length).fill(null);
  const minedAt: number[] = [];
  const messages: string[] = [];
  signals.forEach((signal, i) => {
    if (signal.errorPattern && !mined.has(signal)) keys[i] = signal.errorPattern;
    else {
      minedAt.push(i);
      messages.push(signal.message || signal.title);
    }
  });
  const patterns = messages.length > 0 ? await catalog.identify(messages) : [];
  minedAt.forEach((i, k) => {
    const pattern = patterns[k] as IdentifiedPattern;
    const signal = signals[i] as Signal;
    signal.errorPattern = pattern.template;
    mined.add(signal);
    keys[i] = pattern.patternId;
    patternIds[i] = pattern.patternId;
  });
  return signals.map((signal, i) => ({
    fingerprint: fingerprintOf(signal, keys[i] as string),
    patternId: patternIds[i] as string | null,
  }));
}
