/** A remediation run's states (docs/remediation.md): matched → awaiting-approval → executing → verifying → verified, or failed → rolled-back / escalated. */
export const RUN_STATES = [
  "matched",
  "awaiting-approval",
  "executing",
  "verifying",
  "failed",
  "rolling-back",
  "verified",
  "rolled-back",
  "escalated",
  "rejected",
  "refused",
  "dry-run",
] as const;
export type RunState = (typeof RUN_STATES)[number];

/** States a run ends in; the others hold the target. */
export const TERMINAL_STATES: readonly RunState[] = ["verified", "rolled-back", "escalated", "rejected", "refused", "dry-run"];

export type RunMode = "dry-run" | "suggest" | "auto";

/** Why the database refused a run, one guardrail each. */
export const REFUSALS = [
  "paused",
  "disabled",
  "target-busy",
  "cooldown",
  "playbook-limit",
  "service-limit",
  "blast-radius",
] as const;
export type Refusal = (typeof REFUSALS)[number];

/** The incident's matcher fields as the run was matched: what its action (and rollback) are given, frozen. */
export interface RunSubject {
  id: string;
  key: string;
  service: string;
  environment: string;
  severity: string;
  labels: Readonly<Record<string, string>>;
}

export interface RemediationRun {
  id: string;
  incidentId: string;
  playbook: string;
  service: string;
  environment: string;
  target: string;
  attempt: number;
  /** incident:playbook:attempt — one run per key, ever. */
  idempotencyKey: string;
  mode: RunMode;
  state: RunState;
  createdAt: number;
  updatedAt: number;
  /** What the action does (or would do), in one line. */
  plan: string;
  subject: RunSubject;
  approvedBy: string | null;
  executedAt: number | null;
  verifyStartedAt: number | null;
  /** Since when the verification has held without a break (null: it does not hold now). */
  holdingSince: number | null;
  finishedAt: number | null;
  /** The last step's explanation (a refusal, the action's summary, the verification's result). */
  detail: string;
  /** Why it failed: the action, the verification, or unknown (its process died while it ran). */
  failure: "action" | "verification" | "unknown" | null;
  /** What a rollback needs, from the action's outcome. */
  undo: Record<string, unknown> | null;
  /** Verified, no human acted meanwhile, not reopened within the playbook's reopenWindow. */
  success: boolean;
  humanActed: boolean;
  reopened: boolean;
}

/** A run to create: the store checks the guardrails and the idempotency key in one step. */
export interface NewRun {
  id: string;
  incidentId: string;
  playbook: string;
  service: string;
  environment: string;
  target: string;
  attempt: number;
  idempotencyKey: string;
  mode: RunMode;
  plan: string;
  subject: RunSubject;
}

/** The limits of one playbook, checked by the database when a run starts and again when it executes. */
export interface Guardrails {
  /** The config's kill switch (the API's is in the database). */
  paused: boolean;
  cooldownMs: number;
  windowMs: number;
  maxRuns: number;
  maxRunsPerService: number;
  maxTargets: number;
}

export interface PlaybookStats {
  playbook: string;
  /** Runs whose action executed. */
  runs: number;
  verified: number;
  failed: number;
  rolledBack: number;
  escalated: number;
  succeeded: number;
  /** succeeded ÷ runs that concluded (verified or failed); null before the first. */
  successRate: number | null;
}

/**
 * The note a run awaiting approval sends to every linked ticket. Platforms with buttons (Slack) find the run
 * id in it with `awaitingApprovalRunId`, so the two sides share one format.
 */
export function approvalRequestText(playbook: string, runId: string, plan: string, stats: string): string {
  return `playbook ${playbook} suggests: ${plan}. Nothing runs until a responder approves (POST /api/remediations/${runId}/approve) or rejects it; ${stats}`;
}

const APPROVAL_REQUEST =
  /^playbook \S+ suggests: [\s\S]*\(POST \/api\/remediations\/([0-9A-Za-z]{1,64})\/approve\) or rejects it; /;

/** The run a ticket note asks approval for, or null for any other note. */
export function awaitingApprovalRunId(detail: string): string | null {
  return APPROVAL_REQUEST.exec(detail)?.[1] ?? null;
}
