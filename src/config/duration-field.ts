import { z } from "zod";
import { parseDuration } from "../core/duration.ts";

/** A duration written as "15m", "30s", "500ms" or a number of milliseconds; parsed to milliseconds. */
export function durationField(description: string) {
  return z
    .union([z.number().int().nonnegative(), z.string()])
    .transform((value, ctx) => {
      if (typeof value === "number") return value;
      const ms = parseDuration(value);
      if (ms === undefined) {
        ctx.addIssue({ code: "custom", message: `"${value}" is not a duration (use e.g. 30s, 15m, 2h)` });
        return z.NEVER;
      }
      return ms;
    })
    .describe(description);
}
