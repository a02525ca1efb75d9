// The `remediation` block: playbooks that heal known problems, their guardrails and the kill switch
// (docs/remediation.md). The engine that runs them is src/remediate.
import { z } from "zod";
import { SEVERITIES } from "../core/signal.ts";
import { durationField } from "./duration-field.ts";
import { actionConfigSchema, actionSecretRefs } from "./remediation-action-config.ts";

const oneOrMany = z.union([z.string(), z.array(z.string())]);

const playbookMatch = z
  .strictObject({
    service: oneOrMany.optional(),
    team: oneOrMany.optional(),
    tier: oneOrMany.optional(),
    environment: oneOrMany.optional(),
    tenant: oneOrMany.optional(),
    severity: z.union([z.enum(SEVERITIES), z.array(z.enum(SEVERITIES))]).optional(),
    labels: z.record(z.string(), z.string()).optional().describe("Labels of the incident's latest signal."),
    pattern: z
      .string()
      .min(1)
      .optional()
      .describe("Glob ('*' is a wildcard) over the incident's error-pattern template, e.g. '*connection pool exhausted*'."),
    patternId: z.string().min(1).optional().describe("The mined error pattern's id (GET /api/patterns)."),
  })
  .describe("Routing's matcher (every given field must match; a list matches any of its values) plus the error pattern.");

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be HH:MM (24-hour, UTC)");

const preconditions = z
  .strictObject({
    query: z
      .string()
      .min(1)
      .optional()
      .describe("PromQL that must hold now (a non-empty result, every value non-zero); {{service}} etc. are replaced."),
    minSignals: z.number().int().min(1).optional().describe("The incident must have at least this many signals."),
    timeOfDay: z
      .strictObject({ from: clock, to: clock })
      .optional()
      .describe("Only between these UTC times (from > to spans midnight)."),
  })
  .default({})
  .describe("What must be true before the action runs; an unmet one means no run yet (checked again when the incident changes).");

const verify = z
  .union([
    z.strictObject({
      query: z
        .string()
        .min(1)
        .describe("PromQL that must hold (a non-empty result, every value non-zero); {{service}} etc. are replaced."),
      for: durationField("How long it must hold without a break."),
      within: durationField("Deadline after the action for it to have held `for` long."),
    }),
    z.strictObject({
      quietFor: durationField("No new signal on the incident for this long."),
      within: durationField("Deadline after the action."),
    }),
  ])
  .describe("What proves the fix worked: a PromQL expression holding for `for` within `within`, or quiet for `quietFor`.");

const MODES = ["off", "dry-run", "suggest", "auto"] as const;

const playbook = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, "must be lowercase letters, digits and dashes")
      .describe("Names the playbook in runs, stats, metrics and tickets."),
    match: playbookMatch,
    preconditions,
    action: actionConfigSchema.describe(
      "The fix, chosen by `kind`: http, kubernetes, argocd, githubActions or script (docs/remediation.md has an example of each).",
    ),
    verify,
    rollback: actionConfigSchema.optional().describe("Run when verification fails; then the incident escalates."),
    mode: z
      .record(z.string(), z.enum(MODES))
      .default({})
      .describe(
        "Per environment: off, dry-run (record the would-be action), suggest (run after approval) or auto; '*' for any other (default: off).",
      ),
    reopenWindow: durationField(
      "A healed incident reopening within this long counts as a failure of the fix (default 1h).",
    ).default(3_600_000),
    cooldown: durationField("After a run for a service, the next one waits this long (default 10m).").default(600_000),
    maxRuns: z.number().int().min(1).default(3).describe("Most runs per `window` of this playbook (all services)."),
    maxRunsPerService: z.number().int().min(1).default(2).describe("Most runs per `window` of this playbook for one service."),
    maxTargets: z
      .number()
      .int()
      .min(1)
      .default(3)
      .describe("Blast radius: most distinct targets this playbook acts on per `window`."),
    window: durationField("The window of the limits above (default 1h).").default(3_600_000),
  })
  .refine((p) => Object.keys(p.mode).length > 0, {
    message: "give a mode for at least one environment (or '*'); a playbook without one never runs",
    path: ["mode"],
  });

export const REMEDIATION_DEFAULTS = { enabled: true, paused: false, pollInterval: 1000, lease: 60_000 };

/** The `remediation` block. */
export const remediationConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(REMEDIATION_DEFAULTS.enabled).describe("Run the remediation engine."),
    paused: z
      .boolean()
      .default(REMEDIATION_DEFAULTS.paused)
      .describe(
        "Kill switch: every run is refused (the incident escalates); POST /api/remediations/pause does the same at runtime.",
      ),
    prometheus: z
      .strictObject({ url: z.string().url().describe("Base URL of a Prometheus-compatible HTTP API.") })
      .optional()
      .describe("Where preconditions and verifications are queried."),
    secrets: z
      .record(z.string(), z.string())
      .default({})
      .describe("Secrets actions refer to by name (use ${ENV} or ${file:} references); never logged or shown."),
    scripts: z
      .strictObject({
        directory: z
          .string()
          .min(1)
          .describe("The allow-listed directory: a `script` action runs only an executable file whose real path lies inside it."),
      })
      .optional()
      .describe("Where `script` actions come from (required when a playbook uses one)."),
    pollInterval: durationField("How often each replica advances runs and checks verifications (default 1s).").default(
      REMEDIATION_DEFAULTS.pollInterval,
    ),
    lease: durationField(
      "How long a step of a run belongs to its replica beyond the action's own timeout (default 1m); a run left executing by a dead replica is escalated, never run again.",
    ).default(REMEDIATION_DEFAULTS.lease),
    playbooks: z.array(playbook).default([]).describe("First matching playbook with a mode other than off applies."),
  })
  .superRefine((block, ctx) => {
    const names = new Set<string>();
    block.playbooks.forEach((p, i) => {
      if (names.has(p.name))
        ctx.addIssue({ code: "custom", message: `duplicate playbook name ${p.name}`, path: ["playbooks", i, "name"] });
      names.add(p.name);
      const usesPromql = p.preconditions.query !== undefined || "query" in p.verify;
      if (usesPromql && !block.prometheus)
        ctx.addIssue({
          code: "custom",
          message: "this playbook queries Prometheus: set remediation.prometheus.url",
          path: ["playbooks", i],
        });
      for (const [kind, action] of [
        ["action", p.action],
        ["rollback", p.rollback],
      ] as const) {
        if (!action) continue;
        for (const { ref, path } of actionSecretRefs(action))
          if (!(ref in block.secrets))
            ctx.addIssue({
              code: "custom",
              message: `no secret named ${ref} in remediation.secrets`,
              path: ["playbooks", i, kind, ...path],
            });
        if (action.kind === "script" && !block.scripts)
          ctx.addIssue({
            code: "custom",
            message: "a script action needs remediation.scripts.directory (the allow-listed directory it runs from)",
            path: ["playbooks", i, kind],
          });
      }
      if (p.action.kind === "kubernetes" && p.action.operation === "scale" && p.action.replicas === "previous")
        ctx.addIssue({
          code: "custom",
          message: "replicas: previous restores the count the action changed, so it is only for a rollback",
          path: ["playbooks", i, "action", "replicas"],
        });
    });
  })
  .default({
    enabled: REMEDIATION_DEFAULTS.enabled,
    paused: REMEDIATION_DEFAULTS.paused,
    secrets: {},
    pollInterval: REMEDIATION_DEFAULTS.pollInterval,
    lease: REMEDIATION_DEFAULTS.lease,
    playbooks: [],
  })
  .describe("Self-healing: playbooks that apply a known fix to a known problem, verify it and keep score (docs/remediation.md).");

export type RemediationConfig = z.infer<typeof remediationConfigSchema>;
export type PlaybookConfig = RemediationConfig["playbooks"][number];
export type PlaybookMode = (typeof MODES)[number];
