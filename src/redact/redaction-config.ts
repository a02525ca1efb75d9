import { z } from "zod";

function compileError(regex: string, flags: string | undefined): string | undefined {
  try {
    const compiled = new RegExp(regex, flags);
    if (compiled.test("")) return "must not match the empty string (it would mask between every character)";
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** One configured pattern: what it matches is replaced by `[REDACTED:<name>]`. */
export const redactionPatternSchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9_.-]+$/, "must be letters, digits, '.', '_' or '-' (it appears in the mask)"),
    regex: z.string().min(1),
    flags: z
      .string()
      .regex(/^[dgimsuv]*$/, "may only hold the flags d, g, i, m, s, u, v (g is implied anyway; y is not allowed)")
      .optional(),
  })
  .superRefine((pattern, ctx) => {
    const problem = compileError(pattern.regex, pattern.flags);
    if (problem !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["regex"],
        message: `invalid regular expression for redaction pattern "${pattern.name}": ${problem}`,
      });
    }
  });

/** The `redaction:` config block: extra patterns on top of the built-in detectors. */
export const redactionConfigSchema = z
  .strictObject({
    patterns: z.array(redactionPatternSchema).default([]),
    emails: z.boolean().default(true),
    affectedUsers: z
      .enum(["hash", "keep"])
      .default("hash")
      .describe(
        "hash: affected user ids are kept as keyed hashes (u: and 20 hex digits of an HMAC-SHA256), countable but not readable; keep: ids stay as sent, except those redaction would mask (e-mails, tokens), which are hashed.",
      ),
    hashKey: z
      .string()
      .min(16, "must be at least 16 characters")
      .optional()
      .describe(
        "Secret key of those hashes (keep it in a file and reference it); by default one is generated on first start and kept in the database, so every replica and restart counts the same users alike.",
      ),
  })
  .default({ patterns: [], emails: true, affectedUsers: "hash" });

/** The parsed `redaction:` block. */
export type RedactionConfig = z.infer<typeof redactionConfigSchema>;
