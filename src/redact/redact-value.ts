import { setOwn } from "../core/own.ts";
import { mask } from "./mask.ts";
import { isSecretKey, secretKindForKey } from "./secret-key.ts";

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** One walk: the redaction function and the copies made so far (for cycles), created on first need. */
interface Walk {
  redact: (text: string) => string;
  seen: Map<object, unknown> | null;
}

/**
 * Deep copy with every string redacted, keys included; values of secret-looking keys are masked whole
 * (null, undefined and booleans carry no secret and stay). Arrays, plain objects, Maps and Errors are
 * walked; cycles are preserved; other objects (Dates, Buffers, class instances) are returned as they are.
 */
export function redactDeep(value: unknown, redact: (text: string) => string): unknown {
  // Runs for every signal's labels, annotations and raw fields: module-level functions and one small
  // state object, rather than closures made per call.
  return walk(value, { redact, seen: null });
}

function walk(v: unknown, state: Walk): unknown {
  if (typeof v === "string") return state.redact(v);
  if (typeof v !== "object" || v === null) return v;
  state.seen ??= new Map();
  const done = state.seen.get(v);
  if (done !== undefined) return done;
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    state.seen.set(v, out);
    for (const item of v) out.push(walk(item, state));
    return out;
  }
  if (v instanceof Map) {
    const out = new Map<unknown, unknown>();
    state.seen.set(v, out);
    for (const [k, item] of v) {
      const value = typeof k === "string" && isSecretKey(k) ? maskWhole(k, item) : walk(item, state);
      out.set(typeof k === "string" ? state.redact(k) : k, value);
    }
    return out;
  }
  if (v instanceof Error) {
    const out: Record<string, unknown> = { name: v.name, message: state.redact(v.message) };
    state.seen.set(v, out);
    if (v.stack !== undefined) out.stack = state.redact(v.stack);
    copyEntries(v as unknown as Record<string, unknown>, out, state);
    return out;
  }
  if (!isPlainObject(v)) return v;
  const out: Record<string, unknown> = {};
  state.seen.set(v, out);
  copyEntries(v, out, state);
  return out;
}

// Keys are text someone typed too (a token pasted as a label name): they are redacted like values.
function copyEntries(from: Record<string, unknown>, to: Record<string, unknown>, state: Walk): void {
  for (const key of Object.keys(from)) {
    const item = from[key];
    setOwn(to, state.redact(key), isSecretKey(key) ? maskWhole(key, item) : walk(item, state));
  }
}

function maskWhole(key: string, v: unknown): unknown {
  return v === null || v === undefined || typeof v === "boolean" ? v : mask(secretKindForKey(key));
}
