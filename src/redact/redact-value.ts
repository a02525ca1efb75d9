import { mask } from "./mask.ts";
import { isSecretKey, secretKindForKey } from "./secret-key.ts";

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Deep copy with every string redacted: keys stay, values of secret-looking keys are masked whole
 * (null, undefined and booleans carry no secret and stay). Arrays, plain objects, Maps and Errors are
 * walked; cycles are preserved; other objects (Dates, Buffers, class instances) are returned as they are.
 */
export function redactDeep(value: unknown, redact: (text: string) => string): unknown {
  const seen = new Map<object, unknown>();

  const maskWhole = (key: string, v: unknown): unknown =>
    v === null || v === undefined || typeof v === "boolean" ? v : mask(secretKindForKey(key));

  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return redact(v);
    if (typeof v !== "object" || v === null) return v;
    const done = seen.get(v);
    if (done !== undefined) return done;
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      seen.set(v, out);
      for (const item of v) out.push(walk(item));
      return out;
    }
    if (v instanceof Map) {
      const out = new Map<unknown, unknown>();
      seen.set(v, out);
      for (const [k, item] of v) out.set(k, typeof k === "string" && isSecretKey(k) ? maskWhole(k, item) : walk(item));
      return out;
    }
    if (v instanceof Error) {
      const out: Record<string, unknown> = { name: v.name, message: redact(v.message) };
      seen.set(v, out);
      if (v.stack !== undefined) out.stack = redact(v.stack);
      copyEntries(v as unknown as Record<string, unknown>, out);
      return out;
    }
    if (!isPlainObject(v)) return v;
    const out: Record<string, unknown> = {};
    seen.set(v, out);
    copyEntries(v, out);
    return out;
  };

  const copyEntries = (from: Record<string, unknown>, to: Record<string, unknown>): void => {
    for (const key of Object.keys(from)) {
      const item = from[key];
      to[key] = isSecretKey(key) ? maskWhole(key, item) : walk(item);
    }
  };

  return walk(value);
}
