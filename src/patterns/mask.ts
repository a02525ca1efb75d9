// One pass of one regular expression: each alternative is a kind of variable token. Order matters:
// the earlier alternatives are the more specific ones.
const VARIABLE = new RegExp(
  [
    /"[^"]*"|'[^']*'/.source, // quoted values
    /\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b/.source, // UUIDs
    /\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b/.source, // e-mail addresses
    /\b[a-z][a-z0-9+.-]*:\/\/[^\s,;)]+/.source, // URLs
    /\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/.source, // IPv4 with optional port
    /(?<![\w/])(?:\/[\w.@%+-]+){2,}\/?/.source, // absolute paths
    /\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}\b/.source, // hashes and hex ids
    /\b(?=\w*\d)[A-Za-z0-9_-]*\d[A-Za-z0-9_-]*\b/.source, // numbers and tokens with digits (req-123, 12ms, v2)
  ].join("|"),
  "g",
);

const KEY_VALUE = /\b([A-Za-z_][\w.-]*)=(?!<\*>)[^\s,;&]+/g;
const REPEATED_WILDCARDS = /<\*>(?:[\s,:]*<\*>)+/g;
const WHITESPACE = /\s+/g;

/**
 * Turns a message into its error pattern by masking what varies between occurrences of the same
 * error: ids, numbers, hashes, IPs, paths, URLs, e-mails, quoted values and key=value payloads.
 * "timeout after 1200ms for req 8f3a…" and "timeout after 900ms for req 77b1…" share one pattern.
 */
export function maskMessage(message: string): string {
  return message
    .replace(KEY_VALUE, "$1=<*>")
    .replace(VARIABLE, "<*>")
    .replace(REPEATED_WILDCARDS, "<*>")
    .replace(WHITESPACE, " ")
    .trim()
    .slice(0, 500);
}
