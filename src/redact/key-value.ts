import type { Detector } from "./detector.ts";
import { mask } from "./mask.ts";
import { ci } from "./regex-source.ts";
import { isSecretKey, secretKindForKey } from "./secret-key.ts";

// Only keys holding one of these fragments are candidates; `isSecretKey` then decides on whole words.
const KEYWORDS = ["pass", "pwd", "secret", "token", "key", "auth", "credential", "session", "cookie", "sig", "bearer", "jwt"];
const SCHEMES = ["bearer", "basic", "token", "digest", "negotiate", "apikey"];

const KEYWORD = new RegExp(KEYWORDS.join("|"), "i");
const QUOTE = /(?:\\?["'])?/.source;
// The lookahead finds the keyword, then one greedy run takes the key: no lazy-then-greedy nesting, so
// a long word without a separator fails in linear time.
const KEY = `(?=[\\w.-]*?(?:${KEYWORDS.map(ci).join("|")}))[\\w.-]+`;
const SEPARATOR = /\s*(?::|=(?!=))[ \t]*/.source;
const SCHEME_WORD = `(?:${SCHEMES.map(ci).join("|")})`;
// Optional auth scheme before the credential; an already-masked credential is left alone (idempotence).
const SCHEME = `(?!${SCHEME_WORD}[ \\t]+\\[REDACTED:)(?:${SCHEME_WORD}[ \\t]+)?`;
const VALUE = [
  /\\"(?:[^"\\]|\\[^"])*\\"/.source, // JSON inside a JSON string: \"…\"
  /"(?:[^"\\\n]|\\.)*"/.source,
  /'[^'\n]*'/.source,
  /\$\{[^}\s]*\}/.source, // ${ENV} references are placeholders, kept whole so they stay readable
  /[^\s,;&"'<>(){}[\]]+/.source,
].join("|");

const PARSE = new RegExp(`^(\\\\?["']?)([\\w.-]+)(\\\\?["']?${SEPARATOR})((?:${SCHEMES.join("|")})[ \\t]+)?([\\s\\S]*)$`, "i");
const PLACEHOLDER =
  /^(?:|null|nil|none|undefined|true|false|\*+|x{3,}|redacted|<redacted>|<hidden>|hidden|masked|\[redacted[^\]]*\]|\$\{[^}]*\}|\{\{[^}]*\}\}|%s|\?|required|missing|invalid|expired|empty|unset|changed|reset|failed)$/i;
const QUOTED_SCHEME = new RegExp(`^((?:${SCHEMES.join("|")})[ \\t]+)(\\S[\\s\\S]*)$`, "i");
const SINGLE_MASK = /^\[REDACTED:([\w.-]+)\]$/;

function unquote(value: string): [open: string, content: string, close: string] {
  for (const q of ['\\"', '"', "'"]) {
    if (value.length >= 2 * q.length && value.startsWith(q) && value.endsWith(q)) {
      return [q, value.slice(q.length, value.length - q.length), q];
    }
  }
  return ["", value, ""];
}

function schemeKind(scheme: string): string {
  const s = scheme.trim().toLowerCase();
  if (s === "basic") return "basic-auth";
  if (s === "bearer") return "bearer-token";
  return "authorization";
}

/**
 * `key=value`, `key: value` (YAML-ish) and `"key": "value"` (JSON) whose key looks secret: the key and
 * quotes stay, the value goes. A non-secret key that merely contains a keyword ("token_url") keeps its
 * value, which is still searched for other secrets.
 */
export const keyValueDetector: Detector = {
  kind: "secret",
  mayMatch: (t) => KEYWORD.test(t),
  source: `(?<![\\w.-])${QUOTE}${KEY}${QUOTE}${SEPARATOR}${SCHEME}(?:${VALUE})`,
  mask(match, inner) {
    const parts = PARSE.exec(match);
    if (parts === null) return undefined;
    const [, open = "", key = "", separator = "", scheme = "", value = ""] = parts;
    const prefix = open + key + separator;
    if (!isSecretKey(key)) {
      const rest = inner(scheme + value);
      return rest === scheme + value ? undefined : prefix + rest;
    }
    const [qOpen, quoted, qClose] = unquote(value);
    // "Authorization": "Bearer x": the scheme sits inside the quotes and stays there.
    const inQuotes = scheme === "" && qOpen !== "" ? QUOTED_SCHEME.exec(quoted) : null;
    const innerScheme = inQuotes?.[1] ?? "";
    const content = inQuotes?.[2] ?? quoted;
    if (scheme === "" && innerScheme === "" && PLACEHOLDER.test(content)) return undefined;
    let kind: string;
    if (scheme !== "" || innerScheme !== "") kind = schemeKind(scheme || innerScheme);
    else kind = SINGLE_MASK.exec(inner(content))?.[1] ?? secretKindForKey(key);
    return `${prefix}${scheme}${qOpen}${innerScheme}${mask(kind)}${qClose}`;
  },
};
