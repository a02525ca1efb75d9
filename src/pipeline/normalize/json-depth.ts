import type { FieldProblem } from "../../core/errors.ts";
import { joinPath } from "./zod-problems.ts";

/**
 * Most levels of objects and arrays in one document. Every format Sluice reads nests about ten deep;
 * what nests thousands deep overflows the stack of whatever walks it next (a 500), so it is refused
 * where it is read.
 */
export const MAX_JSON_DEPTH = 64;

/** Path segments shown before "…": enough to find the field, short enough to read. */
const SHOWN_SEGMENTS = 8;

interface Frame {
  value: unknown;
  depth: number;
  key: string | number | null;
  parent: Frame | null;
}

/**
 * The problem of a parsed document that nests objects and arrays deeper than `limit` levels (the
 * document itself is level 1), naming where; null when it does not. Iterative, so any depth is safe.
 */
export function depthProblem(document: unknown, prefix = "", limit = MAX_JSON_DEPTH): FieldProblem | null {
  if (document === null || typeof document !== "object") return null;
  const stack: Frame[] = [{ value: document, depth: 1, key: null, parent: null }];
  for (let frame = stack.pop(); frame; frame = stack.pop()) {
    if (frame.depth > limit) return { path: pathOf(frame, prefix), message: `nests deeper than ${limit} levels` };
    const { value } = frame;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) push(stack, value[i], i, frame);
    } else {
      for (const key of Object.keys(value as object)) push(stack, (value as Record<string, unknown>)[key], key, frame);
    }
  }
  return null;
}

function push(stack: Frame[], value: unknown, key: string | number, parent: Frame): void {
  if (value !== null && typeof value === "object") stack.push({ value, depth: parent.depth + 1, key, parent });
}

function pathOf(frame: Frame, prefix: string): string {
  const keys: (string | number)[] = [];
  for (let at: Frame | null = frame; at && at.key !== null; at = at.parent) keys.push(at.key);
  keys.reverse();
  const shown = joinPath(prefix, keys.slice(0, SHOWN_SEGMENTS));
  return keys.length > SHOWN_SEGMENTS ? `${shown}…` : shown;
}
