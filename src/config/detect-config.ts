// The `detect` block: rules that query a Prometheus-compatible API and run a detector over each returned
// series (docs/detection.md). The rule runner (src/detect/rule-runner.ts) evaluates it.
import { z } from "zod";
import { SEVERITIES } from "../core/signal.ts";
import { durationField } from "./duration-field.ts";

const positive = (what: string) => z.number().positive().optional().describe(what);
const positiveInt = (what: string) => z.number().int().positive().optional().describe(what);

const thresholdDetector = z
  .strictObject({
    kind: z.literal("threshold"),
    above: z.number().optional().describe("Fire when the value is above this."),
    below: z.number().optional().describe("Fire when the value is below this."),
    hysteresis: z
      .number()
      .nonnegative()
      .optional()
      .describe("How far back inside the limit the value must come to clear (default 0)."),
    for: durationField("How long the value must stay past the limit before firing (default 0).").optional(),
  })
  .refine((d) => d.above !== undefined || d.below !== undefined, { message: "give `above`, `below` or both" })
  .refine((d) => d.above === undefined || d.below === undefined || d.below < d.above, {
    message: "`below` must be less than `above`",
    path: ["below"],
  });

const seasonalDetector = z
  .strictObject({
    kind: z.literal("seasonal"),
    period: z
      .union([z.enum(["week", "day"]), durationField("")])
      .optional()
      .describe(
        'The season: "week" (a slot per hour of the week, default), "day" (per hour of the day), or any season length (e.g. 10m, 12h) split into `slots`.',
      ),
    slots: z
      .number()
      .int()
      .positive()
      .optional()
      .describe("Slots per season when `period` is a length (default 24); week and day have one per hour."),
    history: z.number().int().min(3).optional().describe("Values kept per hour slot (default 120)."),
    minHistory: durationField("Time since the first sample before it may fire (default two periods).").optional(),
    minSlotValues: z.number().int().min(3).optional().describe("Values an hour slot needs before it may fire (default 5)."),
    direction: z.enum(["above", "below", "both"]).optional().describe("Which side counts (default both)."),
    minDeviation: z
      .number()
      .nonnegative()
      .optional()
      .describe("Deviations smaller than this, in the value's unit, never count (default 0)."),
    clearAfter: positiveInt("Evaluations in a row below score 0.5 that end an alert (default 3)."),
  })
  .refine((d) => typeof d.period === "number" || d.slots === undefined, {
    message: "`slots` applies only when `period` is a length; week and day have one slot per hour",
    path: ["slots"],
  })
  .refine((d) => typeof d.period !== "number" || d.period >= (d.slots ?? 24) * 1000, {
    message: "a season length needs at least one second per slot",
    path: ["period"],
  });

const trendDetector = z
  .strictObject({
    kind: z.literal("trend"),
    above: z.number().optional().describe("The limit the series must not rise past."),
    below: z.number().optional().describe("The limit the series must not fall past."),
    horizon: durationField("How far ahead to project, like predict_linear's second argument."),
    levelSmoothing: z.number().gt(0).max(1).optional().describe("Holt's level smoothing α (default 0.3)."),
    slopeSmoothing: z.number().gt(0).max(1).optional().describe("Holt's slope smoothing β (default 0.1)."),
    minPoints: positiveInt("Samples before it may fire (default 10)."),
    hysteresis: z
      .number()
      .nonnegative()
      .optional()
      .describe("How far back inside the limit the projection must come to clear (default 0)."),
  })
  .refine((d) => (d.above === undefined) !== (d.below === undefined), { message: "give exactly one of `above` and `below`" });

const flatlineDetector = z.strictObject({
  kind: z.literal("flatline"),
  for: durationField("How long the value must stay flat to fire."),
  tolerance: z.number().nonnegative().optional().describe("Largest change still counted as flat (default 0)."),
});

const absentDetector = z.strictObject({
  kind: z.literal("absent"),
  for: durationField("How long without a sample counts as absent."),
});

const burnWindow = z
  .strictObject({
    long: durationField("The long window."),
    short: durationField("The short window that stops the alert soon after the problem does."),
    factor: z.number().positive().describe("Burn rate both windows must exceed."),
    alert: z.enum(["page", "ticket"]),
  })
  .refine((w) => w.short < w.long, { message: "`short` must be shorter than `long`", path: ["short"] });

const sloBurnRateDetector = z.strictObject({
  kind: z.literal("slo-burn-rate"),
  objective: z.number().gt(0).lt(1).describe("The SLO as a fraction good, e.g. 0.999."),
  good: z
    .string()
    .min(1)
    .describe('PromQL for the cumulative count of good events (a counter, e.g. sum(http_requests_total{code!~"5.."})).'),
  total: z.string().min(1).describe("PromQL for the cumulative count of all events."),
  minEvents: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe("Events a long window must hold before its pair may fire (default 100)."),
  windows: z
    .array(burnWindow)
    .min(1)
    .optional()
    .describe("Window pairs; default the SRE workbook's: 1h & 5m > 14.4 and 6h & 30m > 6 page, 3d & 6h > 1 tickets."),
});

const contextualDetector = z.strictObject({
  kind: z.literal("contextual"),
  baselineMemory: positive("Points of memory of the recent level (default 250)."),
  longMemory: positive("Points of memory of the long-run mean, σ and spike rate (default 500)."),
  window: positiveInt("Points in the level and spread views' window (default 24)."),
  spikeWindow: positiveInt("Points in the spike-density view's window (default 48)."),
  seasonHistory: positiveInt("Values kept per hour of day (default 24)."),
  minSeasonHistory: positiveInt("Values an hour of day needs before the season view speaks (default 2)."),
  rangeTolerance: positive("Fraction of the seen range beyond it that counts as new ground (default 0.02)."),
  episode: positiveInt(
    "Points whose evidence a new alert must beat, and with the rule's own minimumScore the evaluations in a row below it that end an episode (default 50).",
  ),
  calibrationMemory: positive("Points of memory of each view's calibrator (default 10000)."),
});

const rateSpikeDetector = z.strictObject({
  kind: z.literal("rate-spike"),
  memory: positive("Evaluations of memory of the baseline count (default 60)."),
  factor: z.number().min(1).optional().describe("How many times the baseline a count must be to fire (default 3)."),
  minCount: positiveInt("Fewest signals in one evaluation that may fire (default 10)."),
  minPoints: positiveInt("Evaluations before it may fire (default 10)."),
  clearAfter: positiveInt("Evaluations in a row below score 0.5 that end an alert (default 3)."),
});

const newPatternDetector = z.strictObject({
  kind: z.literal("new-pattern"),
  after: durationField("How long after a deploy of its service a pattern's first sighting counts (default 1h).").optional(),
  hold: durationField("How long the alert holds after the sighting (default 30m).").optional(),
});

/** One detector and its parameters, chosen by `kind`. */
export const detectorConfigSchema = z.discriminatedUnion("kind", [
  thresholdDetector,
  seasonalDetector,
  trendDetector,
  flatlineDetector,
  absentDetector,
  sloBurnRateDetector,
  contextualDetector,
  rateSpikeDetector,
  newPatternDetector,
]);

export type DetectorConfig = z.infer<typeof detectorConfigSchema>;

const labelSource = z
  .union([
    z.string().min(1),
    z.strictObject({
      label: z.string().min(1).describe("The series label to take the value from."),
      default: z.string().min(1).optional().describe("Used when the series has no such label."),
    }),
  ])
  .describe("A fixed value, or { label, default } to take it from the series' labels.");

const severitySource = z
  .union([
    z.enum(SEVERITIES),
    z.strictObject({
      label: z.string().min(1).describe("The series label holding the severity."),
      map: z.record(z.string(), z.enum(SEVERITIES)).optional().describe("Label value → severity, e.g. { warning: medium }."),
      default: z.enum(SEVERITIES).optional().describe("Used when the label is missing or not in the map."),
    }),
  ])
  .describe("A fixed severity, or { label, map, default } to take it from the series' labels.");

const ruleSchema = z
  .strictObject({
    name: z
      .string()
      .max(128)
      .regex(/^[A-Za-z0-9_.:-]+$/, "use letters, digits and _ . : -")
      .describe("Unique; names the rule in its anomaly events (label detect_rule, event ids) and in the store."),
    query: z
      .string()
      .min(1)
      .optional()
      .describe("PromQL; each series it returns is a separate detector. Not for slo-burn-rate, which has `good` and `total`."),
    signals: z
      .strictObject({
        by: z
          .enum(["pattern", "service"])
          .default("pattern")
          .describe("One series per error pattern (and service), or per service (default pattern)."),
        kinds: z
          .array(z.enum(["anomaly", "alert", "log", "security"]))
          .min(1)
          .default(["log", "alert", "anomaly", "security"])
          .describe("Signal kinds counted (default all but changes)."),
      })
      .optional()
      .describe(
        "Instead of `query`: the rule counts Sluice's own stored signals each interval (detectors rate-spike and new-pattern). Detections never count.",
      ),
    interval: durationField("How often the rule is evaluated (default 1m; at least 1s).")
      .refine((ms) => ms >= 1000, "must be at least 1s")
      .default(60_000),
    detector: detectorConfigSchema.describe(
      "The detector and its parameters, chosen by `kind`: threshold, seasonal, trend, flatline, absent, slo-burn-rate or contextual (docs/detection.md).",
    ),
    labels: z
      .strictObject({
        service: labelSource,
        environment: labelSource.optional(),
        severity: severitySource.optional().describe("Default: high for a page, medium otherwise."),
      })
      .describe("How each series becomes an anomaly event's service, environment and severity."),
    description: z.string().optional().describe("Shown in the anomaly event and its ticket."),
    minimumScore: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe(
        "The score at which this rule's detections begin an episode and pass the gate, in place of `anomaly.minimumScore` (default: the detector's own firing condition, score 0.85).",
      ),
  })
  .superRefine((rule, ctx) => {
    const burn = rule.detector.kind === "slo-burn-rate";
    const stream = rule.detector.kind === "rate-spike" || rule.detector.kind === "new-pattern";
    if (stream !== (rule.signals !== undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["signals"],
        message: stream
          ? `a ${rule.detector.kind} rule counts Sluice's own signals: give \`signals\` (e.g. { by: pattern }), not \`query\``
          : "`signals` is for the rate-spike and new-pattern detectors",
      });
      return;
    }
    if (stream) {
      if (rule.query !== undefined) ctx.addIssue({ code: "custom", path: ["query"], message: "a `signals` rule has no `query`" });
      if (rule.detector.kind === "new-pattern" && rule.signals?.by !== "pattern") {
        ctx.addIssue({ code: "custom", path: ["signals", "by"], message: "new-pattern needs `by: pattern`" });
      }
      return;
    }
    if (burn && rule.query !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["query"],
        message: "slo-burn-rate takes `detector.good` and `detector.total`, not `query`",
      });
    }
    if (!burn && rule.query === undefined) {
      ctx.addIssue({ code: "custom", path: ["query"], message: `a ${rule.detector.kind} rule needs a PromQL \`query\`` });
    }
  });

export type DetectRuleConfig = z.infer<typeof ruleSchema>;

/** The `detect` block of the configuration file. */
export const detectConfigSchema = z
  .strictObject({
    prometheus: z
      .strictObject({
        url: z.url().describe("Base URL of a Prometheus-compatible query API (Prometheus, Thanos, Mimir, VictoriaMetrics)."),
        bearerToken: z
          .string()
          .min(1)
          .optional()
          .describe("Sent as Authorization: Bearer; write it as a reference to an environment variable or a file."),
        timeout: durationField("Per-query timeout (default 10s).").default(10_000),
      })
      .optional()
      .describe("The Prometheus-compatible API every rule queries (POST /api/v1/query_range)."),
    rules: z
      .array(ruleSchema)
      .default([])
      .describe("Each rule's query is evaluated every `interval` by exactly one replica (a lease in the database)."),
  })
  .superRefine((block, ctx) => {
    const seen = new Set<string>();
    block.rules.forEach((rule, i) => {
      if (seen.has(rule.name))
        ctx.addIssue({ code: "custom", path: ["rules", i, "name"], message: `duplicate rule name "${rule.name}"` });
      seen.add(rule.name);
    });
    if (block.rules.some((rule) => rule.signals === undefined) && !block.prometheus) {
      ctx.addIssue({ code: "custom", path: ["prometheus"], message: "rules need `prometheus.url` to query" });
    }
  })
  .default({ rules: [] });

export type DetectConfig = z.infer<typeof detectConfigSchema>;

/** Config paths under `detect` that hold secrets. */
export const DETECT_SECRET_FIELDS = ["prometheus.bearerToken"] as const;
