import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { SluiceError } from "../../core/errors.ts";
import { problemsOf } from "../../core/zod-problems.ts";
import type { Authenticator } from "../../sources/http/auth.ts";
import type { AutomationSuccess } from "./automation-success.ts";
import type { SliReport } from "./sli.ts";

const statsQuery = z.strictObject({
  since: z.iso
    .datetime({ offset: true })
    .optional()
    .describe("Start of the range (incidents created at or after it); default: sli.window ago"),
  until: z.iso.datetime({ offset: true }).optional().describe("End of the range (created at or before it); default: now"),
});

/**
 * GET /api/stats: the ticketing SLIs (M1–M9, docs/metrics.md) of the incidents created in a time range, and M10
 * (automation success) of the remediation runs created in it, for reports.
 */
export function statsRoutes(
  app: FastifyInstance,
  deps: {
    auth: Authenticator;
    windowMs: number;
    now(): number;
    report(from: number, to: number): Promise<SliReport & { m10AutomationSuccess: AutomationSuccess }>;
  },
): void {
  app.get(
    "/api/stats",
    {
      onRequest: deps.auth.hook({ role: "viewer" }),
      schema: {
        tags: ["stats"],
        summary:
          "The ticketing SLIs (M1–M9) of the incidents created in [since, until], and M10 automation success of the remediation runs created in it: ticket creation latency from the event's own time, accuracy, duplicate and false-positive rates, time to assign / acknowledge / resolve from ticket creation, escalation rate, enrichment success",
        querystring: z.toJSONSchema(statsQuery, { io: "input" }),
      },
    },
    async (request) => {
      const parsed = statsQuery.safeParse(request.query ?? {});
      if (!parsed.success)
        throw new SluiceError("VALIDATION_FAILED", "invalid query", { problems: problemsOf(parsed.error, "query") });
      const since0 = parsed.data.since === undefined ? null : Date.parse(parsed.data.since);
      // Without `until` the range ends now, or at `since` when that is later (an empty range, not an error).
      const until = parsed.data.until === undefined ? Math.max(deps.now(), since0 ?? 0) : Date.parse(parsed.data.until);
      const since = since0 ?? until - deps.windowMs;
      // [since, until] is closed: since = until is the incidents created in that millisecond.
      if (since > until)
        throw new SluiceError("VALIDATION_FAILED", "invalid query: since must not be after until", {
          problems: [{ path: "query.since", message: "must not be after until" }],
        });
      return { since: new Date(since).toISOString(), until: new Date(until).toISOString(), ...(await deps.report(since, until)) };
    },
  );
}
