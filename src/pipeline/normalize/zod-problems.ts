import type { z } from "zod";
import { type FieldProblem, SluiceError } from "../../core/errors.ts";

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
