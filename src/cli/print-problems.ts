import { isSluiceError } from "../core/errors.ts";

/** Writes an error for a person: the message, then one line per problem with its path. */
export function printError(error: unknown): void {
  if (isSluiceError(error)) {
    process.stderr.write(`error: ${error.message}\n`);
    for (const problem of error.problems) process.stderr.write(`  ${problem.path}: ${problem.message}\n`);
    return;
  }
  process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
}
