// The `script` remediation action's config (src/remediate/actions/script.ts runs it).
import { isAbsolute } from "node:path";
import { z } from "zod";
import { templateField } from "./action-template-field.ts";
import { durationField } from "./duration-field.ts";

/** Why a script name from config is refused, or null: only plain relative names inside the directory. */
export function scriptNameProblem(name: string): string | null {
  if (name.length === 0) return "the script name is empty";
  if (name.includes("\0")) return "the script name contains a NUL character";
  if (isAbsolute(name) || name.startsWith("/") || name.startsWith("\\") || /^[A-Za-z]:/.test(name)) {
    return `"${name}" is an absolute path; name a script inside the allow-listed directory`;
  }
  if (name.split(/[/\\]/).some((part) => part === ".." || part === "." || part === "")) {
    return `"${name}" has a ".", ".." or empty path segment; name a script inside the allow-listed directory`;
  }
  return null;
}

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
// The script must not be able to change how the dynamic linker or a shell it starts behaves through them.
const RESERVED_ENV = new Set(["PATH", "HOME", "LD_PRELOAD", "LD_LIBRARY_PATH", "NODE_OPTIONS", "BASH_ENV", "ENV", "IFS"]);

/** `action` of a playbook that runs a script from the allow-listed directory (`remediation.scripts.directory`). */
export const scriptActionSchema = z
  .object({
    kind: z.literal("script"),
    script: z
      .string()
      .superRefine((value, ctx) => {
        const problem = scriptNameProblem(value);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      })
      .describe("File name inside the allow-listed script directory; no absolute path, no `..`"),
    args: z
      .array(templateField("One argument: fixed text and {{incident fields}} (service, environment, labels.<name>, …)"))
      .max(32)
      .default([])
      .describe("Arguments, passed as a vector (never through a shell)"),
    timeout: durationField("Killed (with everything it started) after this long").default(60_000),
    maxOutputBytes: z.number().int().min(1024).max(1_048_576).default(65_536).describe("Output kept; the rest is dropped"),
    secretEnv: z
      .record(
        z
          .string()
          .regex(ENV_NAME, "an environment variable name in capitals")
          .refine((name) => !RESERVED_ENV.has(name), {
            message: "a reserved environment variable",
          }),
        z.string().min(1),
      )
      .default({})
      .describe(
        "Environment variables set from secrets (names in `remediation.secrets`); their values are masked in every summary",
      ),
  })
  .strict();

export type ScriptActionConfig = z.output<typeof scriptActionSchema>;
