import type { Guardrails, NewRun, PlaybookStats, Refusal, RemediationRun, RunState } from "../remediation.ts";

export interface RunQuery {
  incidentId?: string;
  playbook?: string;
  service?: string;
  state?: RunState[];
  limit: number;
}

/** Fields a step writes with its state change. */
export type RunUpdate = Partial<
  Pick<
    RemediationRun,
    | "detail"
    | "updatedAt"
    | "failure"
    | "approvedBy"
    | "verifyStartedAt"
    | "holdingSince"
    | "undo"
    | "success"
    | "humanActed"
    | "reopened"
    | "finishedAt"
  >
>;

/**
 * Remediation runs and their guardrails, held by the database so that replicas and restarts agree: one run
 * per idempotency key, one unfinished run per target, cooldowns and limits counted from the rows, the kill
 * switch and disabled playbooks in rows of their own. Every state change is a compare-and-set on the state.
 */
export interface RemediationRepository {
  /**
   * Creates the run unless one with its key exists (then returns that one, `created` false). A run the
   * guardrails refuse is stored as `refused` with the reason; a dry run is stored as `dry-run`.
   */
  begin(
    run: NewRun,
    guardrails: Guardrails,
    now: number,
  ): Promise<{ run: RemediationRun; created: boolean; refusal: Refusal | null }>;
  /**
   * matched → executing, only if the run is auto or approved, and the guardrails still allow it; otherwise
   * the refusal (or "not-ready" when the run is not in `matched`, or not approved).
   */
  startExecuting(
    id: string,
    guardrails: Guardrails,
    now: number,
    leaseMs: number,
  ): Promise<{ ok: true } | { ok: false; refusal: Refusal | "not-ready" }>;
  /** `from` → `to` with `fields`, if the run is still in `from`; false when another step got there first. */
  move(id: string, from: RunState, to: RunState, now: number, fields?: RunUpdate, leaseUntil?: number): Promise<boolean>;
  /** Writes fields without a state change (verification progress, success flags). */
  update(id: string, fields: RunUpdate, leaseUntil?: number): Promise<void>;
  /** Leases runs due for a step (matched, executing or rolling-back left by a dead process, verifying due a check, failed). */
  claim(now: number, limit: number, leaseMs: number): Promise<RemediationRun[]>;
  get(id: string): Promise<RemediationRun | null>;
  list(query: RunQuery): Promise<RemediationRun[]>;
  /** Per playbook; with `created`, only the runs created in [from, to] (the SLI report's M10). */
  stats(playbook?: string, created?: { from: number; to: number }): Promise<PlaybookStats[]>;
  /** The kill switch in the database (POST /api/remediations/pause|resume). */
  setPaused(paused: boolean, by: string, now: number): Promise<void>;
  paused(): Promise<{ paused: boolean; by: string | null; at: number | null }>;
  /** Verification failures of the playbook for the service since it was last re-enabled. */
  failuresSinceEnabled(playbook: string, service: string): Promise<number>;
  disable(playbook: string, service: string, reason: string, now: number): Promise<void>;
  /** Re-enables; false when it was not disabled. */
  enable(playbook: string, service: string, by: string, now: number): Promise<boolean>;
  disabled(): Promise<{ playbook: string; service: string; reason: string; at: number }[]>;
}
