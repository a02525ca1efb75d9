import { ownValue } from "../core/own.ts";

// Text analysis for similar-incident ranking. Incident text is short and full of identifiers, masks
// and operator shorthand, so a plain word split would match "timeouts" against nothing in
// "request timed out". Every step here exists to let two write-ups of one problem share terms.

/** Masks the pattern miner leaves in templates ("<num>", "<*>", "<ip>"): they say nothing about the problem. */
const PLACEHOLDER = /<[^<>\s]{1,24}>/g;

/** Phrases operators write several ways; each becomes one term before words are split. */
const PHRASES: [RegExp, string][] = [
  [/\btim(?:ed|es|ing)?[\s_-]*outs?\b|\bdeadline[\s_-]*exceeded\b/g, " timeout "],
  [/\bout[\s_-]+of[\s_-]+memory\b|\boom[\s_-]*kill(?:ed|er)?\b/g, " oom "],
  [/\bcrash[\s_-]*loop(?:ing)?(?:[\s_-]*back[\s_-]*off)?\b/g, " crashloop "],
  [/\bconn(?:ection)?[\s_-]+reset\b|\becon+reset\b/g, " connreset "],
  [/\bconn(?:ection)?[\s_-]+refused\b|\becon+refused\b/g, " connrefused "],
  [/\bdisk[\s_-]+full\b|\bno[\s_-]+space[\s_-]+left\b|\benospc\b/g, " diskfull "],
];

/** The terms phrases become: already canonical, never stemmed. */
const CANONICAL = new Set(PHRASES.map(([, term]) => term.trim()));

/** Whole identifiers that would otherwise split into word-like pieces. */
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g;

/** Shorthand that means the same thing as a longer word. */
const WORDS: Record<string, string> = {
  db: "database",
  dbs: "database",
  conn: "connection",
  conns: "connection",
  k8s: "kubernetes",
  pg: "postgres",
  postgresql: "postgres",
  psql: "postgres",
  cert: "certificate",
  certs: "certificate",
  ssl: "tls",
  msg: "message",
  err: "error",
  errs: "error",
  svc: "service",
  cfg: "config",
  configuration: "config",
  mem: "memory",
  auth: "authentication",
  authn: "authentication",
  creds: "credential",
  pw: "password",
  latencies: "latency",
  slow: "latency",
  mq: "queue",
  oomkilled: "oom",
  timedout: "timeout",
  throttled: "ratelimit",
  throttling: "ratelimit",
  "429": "ratelimit",
};

const STOP = new Set(
  (
    "a an the of to in on at by for from with without and or nor not no is are was were be been being has have had " +
    "it its this that these those as but if into onto after before while than then so up out via per all any some " +
    "can could cannot will would should may might must do does did during over under between too very more most " +
    "i we you they he she them our your their there here when where which who what why how also just only again " +
    "still got get gets getting"
  ).split(" "),
);

/**
 * Turns text into index terms: camelCase and snake_case split, miner masks dropped, ids and long
 * numbers dropped (they differ per occurrence), synonyms unified, stop words removed, light
 * suffix stemming so "connections", "connecting" and "connection" meet.
 */
export function analyze(text: string): string[] {
  if (!text) return [];
  let normalized = text
    .replace(/([a-z\d])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .toLowerCase()
    .replace(PLACEHOLDER, " ")
    .replace(UUID, " ");
  for (const [phrase, term] of PHRASES) normalized = normalized.replace(phrase, term);
  const terms: string[] = [];
  for (const token of normalized.split(/[^\p{L}\p{N}]+/u)) {
    if (token.length < 2 || isIdentifier(token)) continue;
    const word = ownValue(WORDS, token) ?? token;
    if (STOP.has(word)) continue;
    terms.push(CANONICAL.has(word) ? word : stem(word));
  }
  return terms;
}

/** The distinct terms of `text`, in first-seen order. */
export function distinctTerms(text: string): string[] {
  return [...new Set(analyze(text))];
}

/**
 * Per-occurrence values: request ids, hashes, ports, counts, scores. Three-digit numbers stay: they
 * are status and exit codes (HTTP 502, exit 137) far more often than anything else.
 */
function isIdentifier(token: string): boolean {
  if (/^\d+$/.test(token)) return token.length !== 3;
  // A measured value ("30000ms", "4gi", "98pct") differs every time; the word next to it says what it was.
  if (/^\d+(?:ms|s|m|h|d|k|kb|mb|gb|ki|mi|gi|b|pct)$/.test(token)) return true;
  // Hex with digits in it ("77b0", "7f3a9c21") is a hash or an id.
  if (token.length >= 4 && /^[0-9a-f]+$/.test(token) && /\d/.test(token) && /[a-f]/.test(token)) return true;
  // A word with digits in it is a version or a name ("v2", "ec2", "http2") when short, an id when long.
  return /\d/.test(token) && token.length >= 8;
}

/** A deliberately small suffix stemmer: predictable, and good enough for short operational text. */
export function stem(word: string): string {
  if (word.length <= 4 || /\d/.test(word)) return word;
  let w = word;
  if (w.endsWith("ies")) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith("sses")) w = w.slice(0, -2);
  else if (w.endsWith("s") && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  for (const suffix of ["ing", "ion", "ed"]) {
    if (w.endsWith(suffix) && w.length - suffix.length >= 4) {
      w = w.slice(0, -suffix.length);
      break;
    }
  }
  if (w.endsWith("e") && w.length > 4) w = w.slice(0, -1);
  // "dropped", "throttling": undo the doubled consonant the suffix brought.
  if (/([b-df-hj-np-tv-z])\1$/.test(w) && !/(ll|ss|zz)$/.test(w)) w = w.slice(0, -1);
  return w;
}

/**
 * Remembers the terms of recently seen texts. Past incidents are ranked again and again and their
 * words rarely change, so analysing them once saves about half of a lookup. Keyed by the text itself,
 * it can never be stale; least recently used texts go first.
 */
export class TermCache {
  private readonly entries = new Map<string, string[]>();

  constructor(private readonly capacity = 10_000) {}

  terms(text: string): string[] {
    const known = this.entries.get(text);
    if (known) {
      this.entries.delete(text);
      this.entries.set(text, known);
      return known;
    }
    const terms = analyze(text);
    this.entries.set(text, terms);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return terms;
  }

  get size(): number {
    return this.entries.size;
  }
}
