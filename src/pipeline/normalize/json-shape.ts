import type { FieldProblem } from "../../core/errors.ts";
import { joinPath } from "../../core/zod-problems.ts";

/**
 * Most levels of objects and arrays in one document. Every format Sluice reads nests about ten deep;
 * what nests thousands deep overflows the stack of whatever walks it next (a 500), so it is refused
 * where it is read.
 */
export const MAX_JSON_DEPTH = 64;

/** Path segments shown before "…": enough to find the field, short enough to read. */
const SHOWN_SEGMENTS = 8;

/** What is wrong with a parsed document's shape, and the error code that refuses it. */
export interface ShapeProblem {
  code: "VALIDATION_FAILED" | "MALFORMED_BODY";
  problem: FieldProblem;
}

interface Frame {
  value: unknown;
  depth: number;
  key: string | number | null;
  parent: Frame | null;
}

/**
 * Refuses, naming where, a parsed document that nests objects and arrays deeper than `limit` levels
 * (the document itself is level 1), or that has a key "__proto__" or a "constructor" object with a
 * "prototype" (prototype poisoning: harmless as parsed, but one careless merge away from changing every
 * object; JSON bodies, NDJSON, OTLP/JSON and Kafka records are all held to it). Iterative, so any depth is safe.
 */
export function shapeProblem(document: unknown, prefix = "", limit = MAX_JSON_DEPTH): ShapeProblem | null {
  if (document === null || typeof document !== "object") return null;
  const stack: Frame[] = [{ value: document, depth: 1, key: null, parent: null }];
  for (let frame = stack.pop(); frame; frame = stack.pop()) {
    if (frame.depth > limit) {
      return {
        code: "VALIDATION_FAILED",
        problem: { path: pathOf(frame, prefix), message: `nests deeper than ${limit} levels` },
      };
    }
    const { value } = frame;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) push(stack, value[i], i, frame);
      continue;
    }
    for (const key of Object.keys(value as object)) {
      const item = (value as Record<string, unknown>)[key];
      if (key === "__proto__" || (key === "constructor" && isObject(item) && Object.hasOwn(item, "prototype"))) {
        const at = pathOf({ value: item, depth: frame.depth + 1, key, parent: frame }, prefix);
        return { code: "MALFORMED_BODY", problem: { path: at, message: `the key "${key}" is refused (prototype poisoning)` } };
      }
      push(stack, item, key, frame);
    }
  }
  return null;
}

function isObject(value: unknown): value is object {
  return value !== null && typeof value === "object";
}

function push(stack: Frame[], value: unknown, key: string | number, parent: Frame): void {
  if (isObject(value)) stack.push({ value, depth: parent.depth + 1, key, parent });
}

function pathOf(frame: Frame, prefix: string): string {
  const keys: (string | number)[] = [];
  for (let at: Frame | null = frame; at && at.key !== null; at = at.parent) keys.push(at.key);
  keys.reverse();
  const shown = joinPath(prefix, keys.slice(0, SHOWN_SEGMENTS));
  return keys.length > SHOWN_SEGMENTS ? `${shown}…` : shown;
}
