import type { z } from "zod";
import { type FieldProblem, SluiceError } from "./errors.ts";

/** Turns a zod failure into field problems whose paths start at `prefix` (e.g. "[3]" for the 4th item). */
export function problemsOf(error: z.ZodError, prefix = ""): FieldProblem[] {
  return error.issues.map((issue) => ({ path: joinPath(prefix, issue.path), message: issue.message }));
}

export function joinPath(prefix: string, path: readonly PropertyKey[]): string {
  let text = prefix;
  for (const part of path) {
    if (typeof part === "number") text += `[${part}]`;
    else text += text ? `.${String(part)}` : String(part);
  }
  return text || "(body)";
}

export function validationFailed(problems: FieldProblem[], what: string): SluiceError {
  return new SluiceError("VALIDATION_FAILED", `${what}: ${problems.length} invalid field(s)`, { problems });
}

/**
 * Maps every item of one request or record, all or nothing: one bad item fails the whole of it with every
 * problem named (VALIDATION_FAILED, a 422), so a sender never has to guess which of its items were kept.
 * `noun` names one item and many ("signal", "signals").
 */
export function mapAllOrNothing<T>(
  items: readonly unknown[],
  single: boolean,
  noun: readonly [string, string],
  map: (item: Record<string, unknown>, index: number, prefix: string) => T | { problems: FieldProblem[] },
): T[] {
  const results: T[] = [];
  const problems: FieldProblem[] = [];
  items.forEach((item, index) => {
    mapOne(item, index, single, map, results, problems);
  });
  if (problems.length > 0) throw validationFailed(problems, `invalid ${items.length === 1 ? noun[0] : noun[1]}`);
  return results;
}

/**
 * mapAllOrNothing a slice of `slice` items at a time, letting the event loop serve other requests
 * between slices: a request of thousands of items takes many short turns instead of one long one.
 */
export async function mapAllOrNothingInSlices<T>(
  items: readonly unknown[],
  single: boolean,
  noun: readonly [string, string],
  map: (item: Record<string, unknown>, index: number, prefix: string) => T | { problems: FieldProblem[] },
  slice = 250,
): Promise<T[]> {
  const results: T[] = [];
  const problems: FieldProblem[] = [];
  for (let index = 0; index < items.length; index++) {
    if (index > 0 && index % slice === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    mapOne(items[index], index, single, map, results, problems);
  }
  if (problems.length > 0) throw validationFailed(problems, `invalid ${items.length === 1 ? noun[0] : noun[1]}`);
  return results;
}

function mapOne<T>(
  item: unknown,
  index: number,
  single: boolean,
  map: (item: Record<string, unknown>, index: number, prefix: string) => T | { problems: FieldProblem[] },
  results: T[],
  problems: FieldProblem[],
): void {
  const prefix = single ? "" : `[${index}]`;
  if (item === null || typeof item !== "object" || Array.isArray(item)) {
    problems.push({ path: prefix || "(body)", message: "expected a JSON object" });
    return;
  }
  const mapped = map(item as Record<string, unknown>, index, prefix);
  if (typeof mapped === "object" && mapped !== null && "problems" in mapped) problems.push(...mapped.problems);
  else results.push(mapped as T);
}
