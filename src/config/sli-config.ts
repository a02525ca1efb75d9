import { z } from "zod";
import { RESOLVE_OUTCOMES } from "../core/resolve-outcome.ts";
import { durationField } from "./duration-field.ts";

export const CONTEXT_PARTS = ["owner", "runbook", "changes", "trace", "affectedUsers", "similar"] as const;
export type ContextPart = (typeof CONTEXT_PARTS)[number];

const DEFAULTS = {
  window: 86_400_000,
  futureTolerance: 300_000,
  maxEventAge: 86_400_000,
  requiredContext: ["owner", "runbook"] as ContextPart[],
};

/** The `sli` block: how the ticketing SLIs (docs/metrics.md, M1–M9) are computed. */
export const sliConfigSchema = z
  .strictObject({
    window: durationField(
      "The time range the sluice_sli_* gauges at /metrics cover: incidents created within it (default 24h). GET /api/stats takes any range.",
    ).default(DEFAULTS.window),
    futureTolerance: durationField(
      "M1's clock-skew guard: a first signal whose own timestamp is further than this after its arrival is from the future; its incident is counted as skewed and left out of M1 (default 5m).",
    ).default(DEFAULTS.futureTolerance),
    maxEventAge: durationField(
      "M1's other guard: a first signal older than this at its arrival is counted as skewed and left out of M1 (default 24h).",
    ).default(DEFAULTS.maxEventAge),
    requiredContext: z
      .array(z.enum(CONTEXT_PARTS))
      .default(DEFAULTS.requiredContext)
      .describe("M9: what a ticket needs to count as enriched (default owner and runbook, from the catalog)."),
    outcomes: z
      .record(z.string().min(1), z.record(z.string().min(1), z.enum(RESOLVE_OUTCOMES)))
      .default({})
      .describe(
        'Per platform, its resolution or close codes and the outcome each means (e.g. jira: {"Won\'t Do": false_positive}); checked before the defaults (Jira resolutions, ServiceNow close codes; docs/metrics.md).',
      ),
  })
  .default({ ...DEFAULTS, outcomes: {} })
  .describe("The ticketing SLIs (M1–M9): their window at /metrics, M1's clock-skew guard, M9's required context, outcome codes.");

export type SliConfig = z.infer<typeof sliConfigSchema>;
