/**
 * The contract every remediation action kind implements (http, Kubernetes, Argo CD, GitHub Actions, script).
 * The run state machine (src/remediate) owns when an action runs and whether it may; an action only knows how to
 * do one thing to one target, and how to say what it would do without doing it.
 */

/** What an action may read of the incident it heals: the matcher's fields, never free text an LLM wrote. */
export interface ActionIncident {
  id: string;
  key: string;
  service: string;
  environment: string;
  severity: string;
  labels: Readonly<Record<string, string>>;
}

export interface ActionContext {
  incident: ActionIncident;
  /**
   * Stable for one incident, playbook and attempt. Sent to the target wherever its API takes one (an
   * `Idempotency-Key` header, a label, a run name), so a retried request never acts twice.
   */
  idempotencyKey: string;
  /** Resolves a secret reference from the playbook's config; the value never goes into an outcome or a log. */
  secret(ref: string): string;
  signal: AbortSignal;
  /**
   * Set only for a playbook's rollback: the `undo` data the playbook's action returned when it ran (for example
   * the replica count before a scale), so the rollback can put back exactly what was changed.
   */
  undo?: Readonly<Record<string, unknown>>;
}

export interface ActionOutcome {
  ok: boolean;
  /** One line for the timeline and the tickets, with no secret in it ("restarted deployment shop/cart"). */
  summary: string;
  /** What a later rollback needs to undo this action (for example the revision before it). */
  undo?: Readonly<Record<string, unknown>>;
}

export interface RemediationAction {
  readonly kind: string;
  /** The target the guardrails count ("k8s:prod/shop/deployment/cart"); one run per target at a time. */
  target(incident: ActionIncident): string;
  /** What `execute` would do, in one line: recorded in `dry-run` and shown when approval is asked for. */
  describe(context: ActionContext): string;
  execute(context: ActionContext): Promise<ActionOutcome>;
}
