import { SluiceError } from "../core/errors.ts";
import { combinedPass } from "./combined-pass.ts";
import { builtInDetectors } from "./detectors.ts";
import { mask } from "./mask.ts";
import { redactDeep } from "./redact-value.ts";

// The memo of clean texts: at most this many, each at most this long (a few hundred KB at most).
const MAX_MEMO_TEXTS = 4096;
const MAX_MEMO_LENGTH = 128;

/** A user-configured pattern: every match is replaced by `[REDACTED:<name>]`. */
export interface RedactionPattern {
  name: string;
  regex: string;
  flags?: string | undefined;
}

/** Options of `createRedactor`; the parsed `redaction:` config block fits as is. */
export interface RedactorOptions {
  patterns?: readonly RedactionPattern[] | undefined;
  /** Mask e-mail addresses (default true). */
  emails?: boolean | undefined;
}

/** Masks secrets and personal data in text and in structured values. */
export interface Redactor {
  /** The text with every secret replaced by `[REDACTED:<kind>]`. */
  redact(text: string): string;
  /** A deep copy with strings (keys too) redacted, values of secret-looking keys masked whole. */
  redactValue(value: unknown): unknown;
}

function compilePattern(pattern: RedactionPattern): { regex: RegExp; replacement: string } {
  const flags = (pattern.flags ?? "").replace(/[gy]/g, "");
  try {
    // `$` in the replacement would be read as a group reference; names are plain, but escape anyway.
    return { regex: new RegExp(pattern.regex, `${flags}g`), replacement: mask(pattern.name).replaceAll("$", "$$$$") };
  } catch (error) {
    throw new SluiceError(
      "CONFIG_INVALID",
      `redaction pattern "${pattern.name}": invalid regular expression: ${(error as Error).message}`,
      { problems: [{ path: "redaction.patterns", message: (error as Error).message }], cause: error },
    );
  }
}

/** Builds a redactor from the built-in detectors plus the configured patterns. */
export function createRedactor(options: RedactorOptions = {}): Redactor {
  const builtIn = combinedPass(builtInDetectors({ emails: options.emails ?? true }));
  const custom = (options.patterns ?? []).map(compilePattern);

  // Texts known to hold nothing to mask: the same service, environment, label and title come back in
  // signal after signal, and the ingest acknowledgement redacts each of them (a third of its CPU in
  // batches, measured). Only clean, short texts are kept, so no secret stays in memory for the memo.
  const clean = new Set<string>();
  const redact = (text: string): string => {
    if (clean.has(text)) return text;
    let out = builtIn(text);
    for (const { regex, replacement } of custom) out = out.replace(regex, replacement);
    if (out === text && text.length <= MAX_MEMO_LENGTH) {
      if (clean.size >= MAX_MEMO_TEXTS) clean.clear();
      clean.add(text);
    }
    return out;
  };

  return {
    redact,
    redactValue: (value) => redactDeep(value, redact),
  };
}
