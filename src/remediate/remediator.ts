import type { Logger } from "pino";
import { isSluiceError, SluiceError } from "../core/errors.ts";
import type { EventPublisher } from "../core/events.ts";
import { newId } from "../core/ids.ts";
import type { Incident } from "../core/incident.ts";
import { emptyChangeSet, type Store } from "../core/ports/store.ts";
import { approvalRequestText, type Refusal, type RemediationRun, type RunState } from "../core/remediation.ts";
import { fanOut } from "../lifecycle/fan-out.ts";
import type { LifecycleService } from "../lifecycle/lifecycle-service.ts";
import type { ActionContext, ActionIncident, RemediationAction } from "./actions/action.ts";
import { actionIncident, choosePlaybook, guardrailsOf, type Playbook } from "./playbook.ts";
import { unmetPrecondition } from "./preconditions.ts";
import type { PromqlCheck } from "./prometheus-check.ts";
import { refusalText, scoreText } from "./run-text.ts";
import { fill, promqlString } from "./template.ts";

/** The timeline's actor for remediation. */
export const REMEDIATE_ACTOR = "sluice:remediate";
/** Verification failures of a playbook for one service after which it is disabled for it. */
const DISABLE_AFTER_FAILURES = 2;
const CLAIM_LIMIT = 4;

export interface RemediatorOptions {
  store: Store;
  events: EventPublisher;
  lifecycle: Pick<LifecycleService, "apply">;
  logger: Logger;
  now: () => number;
  playbooks: readonly Playbook[];
  secrets: Readonly<Record<string, string>>;
  /** The config's kill switch. */
  paused: boolean;
  prometheus: PromqlCheck | null;
  pollInterval: number;
  lease: number;
  /** A run reached a final state (metrics). */
  count?(playbook: string, outcome: RunState): void;
  /** A playbook's success ratio changed (metrics). */
  ratio?(playbook: string, value: number): void;
}

/**
 * Runs playbooks: events ask it to look at an incident; the first matching playbook whose preconditions hold
 * gets a run, created by the store under the guardrails and the idempotency key. Runs advance by claims under a
 * lease, so any replica (or a restarted process) carries on where another stopped, and every state change is
 * a compare-and-set: an action runs only in the step that moved its run to `executing`, and a run found
 * `executing` after its lease expired is escalated, never run again.
 */
export class Remediator {
  private readonly requested = new Set<string>();
  private readonly reopenedIds = new Set<string>();
  private readonly byName: Map<string, Playbook>;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private started = false;

  constructor(private readonly options: RemediatorOptions) {
    this.byName = new Map(options.playbooks.map((p) => [p.name, p]));
  }

  /** Records that an incident changed; the event handler's whole job. */
  request(incidentId: string): void {
    if (this.stopped || this.options.playbooks.length === 0) return;
    this.requested.add(incidentId);
    if (this.started) this.wake();
  }

  start(): void {
    this.started = true;
    // The score lives in the store: a restarted replica reports it before its first run ends.
    for (const playbook of this.options.playbooks)
      void this.updateRatio(playbook.name).catch((error) =>
        this.options.logger.warn({ err: error }, "a playbook's success ratio could not be read"),
      );
    this.timer = setInterval(() => this.wake(), this.options.pollInterval);
    this.timer.unref?.();
    this.wake();
  }

  /** Runs until no request waits and no run is due now (tests, simulations). */
  async flush(): Promise<void> {
    do {
      this.again = false;
      await (this.ticking ?? this.tick());
    } while (this.again || this.requested.size > 0 || this.reopenedIds.size > 0);
  }

  async shutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.stopped = true;
    await this.ticking;
  }

  private wake(): void {
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = this.tick().finally(() => {
      this.ticking = null;
      if (this.again && !this.stopped) {
        this.again = false;
        this.wake();
      }
    });
  }

  private async tick(): Promise<void> {
    try {
      for (const id of [...this.reopenedIds]) {
        this.reopenedIds.delete(id);
        await this.markReopened(id).catch((error) =>
          this.options.logger.error({ err: error, incident: id }, "a reopened incident's remediation runs could not be updated"),
        );
      }
      for (const id of [...this.requested]) {
        this.requested.delete(id);
        await this.consider(id).catch((error) =>
          this.options.logger.error({ err: error, incident: id }, "a remediation could not be considered"),
        );
      }
      if (this.stopped) return;
      for (;;) {
        const runs = await this.options.store.remediations.claim(this.options.now(), CLAIM_LIMIT, this.options.lease);
        if (runs.length === 0) return;
        for (const run of runs) {
          await this.step(run).catch((error) =>
            this.options.logger.error(
              { err: error, run: run.id },
              "a remediation step failed; its lease expires and it is taken up again",
            ),
          );
        }
        if (this.stopped) return;
      }
    } catch (error) {
      this.options.logger.error({ err: error }, "remediation runs could not be claimed; retrying at the next poll");
    }
  }

  // --- matching ---------------------------------------------------------------------------------------------

  private async consider(incidentId: string): Promise<void> {
    const { store, now } = this.options;
    const incident = await store.incidents.get(incidentId);
    if (!incident || incident.state === "resolved") return;
    const labels = (await store.incidents.signals(incident.id, 1))[0]?.labels ?? {};
    const chosen = choosePlaybook(this.options.playbooks, incident, labels);
    if (!chosen) return;
    const { playbook, mode } = chosen;
    const attempt = 1 + (await store.incidents.timeline(incident.id)).filter((entry) => entry.action === "reopened").length;
    const idempotencyKey = `${incident.id}:${playbook.name}:${attempt}`;
    const existing = await store.remediations.list({ incidentId: incident.id, playbook: playbook.name, limit: 50 });
    if (existing.some((run) => run.idempotencyKey === idempotencyKey)) return;
    const subject = actionIncident(incident, labels);
    const unmet = await unmetPrecondition(
      playbook.config.preconditions,
      incident,
      subject,
      now(),
      this.options.prometheus,
      AbortSignal.timeout(10_000),
    );
    if (unmet) {
      this.options.logger.debug(
        { incident: incident.key, playbook: playbook.name, unmet },
        "a playbook's precondition is not met",
      );
      return;
    }
    let target: string;
    let plan: string;
    try {
      target = playbook.action.target(subject);
      plan = playbook.action.describe(this.context(subject, idempotencyKey, new AbortController().signal));
    } catch (error) {
      await this.note(
        incident,
        `playbook ${playbook.name} cannot run: ${error instanceof Error ? error.message : String(error)}`,
      );
      return;
    }
    const { run, created, refusal } = await store.remediations.begin(
      {
        id: newId(now()),
        incidentId: incident.id,
        playbook: playbook.name,
        service: incident.service,
        environment: incident.environment,
        target,
        attempt,
        idempotencyKey,
        mode,
        plan,
        subject,
      },
      guardrailsOf(playbook, this.options.paused),
      now(),
    );
    if (!created) return;
    const stats = await this.stats(playbook.name);
    if (run.state === "dry-run") {
      const would = refusal ? `would be refused: ${refusalText(refusal)}` : `would run ${plan}`;
      await this.note(incident, `dry run of playbook ${playbook.name}: ${would}; nothing was done (${stats})`);
      this.finished(run.playbook, "dry-run");
    } else if (run.state === "refused" && refusal) {
      this.finished(run.playbook, "refused");
      await this.escalate(incident, `playbook ${playbook.name} matched but was refused: ${refusalText(refusal)}`);
    } else if (run.state === "awaiting-approval") {
      await this.note(incident, approvalRequestText(playbook.name, run.id, plan, stats));
    } else {
      await this.note(incident, `playbook ${playbook.name} matched; running ${plan} (${stats})`);
      this.again = true;
    }
  }

  // --- approval (API, platform buttons) ----------------------------------------------------------------------------------------

  /** `incidentId`, when given (a platform's button), must be the run's: a button cannot approve another incident's run. */
  async approve(id: string, by: string, incidentId?: string): Promise<RemediationRun> {
    const run = await this.requireRun(id, incidentId);
    const moved = await this.options.store.remediations.move(id, "awaiting-approval", "matched", this.options.now(), {
      approvedBy: by,
      detail: `approved by ${by}`,
    });
    if (!moved) throw new SluiceError("CONFLICT", `run ${id} is ${run.state}, not awaiting approval`);
    await this.noteById(run.incidentId, `${by} approved playbook ${run.playbook}: running ${run.plan}`);
    if (this.started) this.wake();
    return (await this.options.store.remediations.get(id)) as RemediationRun;
  }

  async reject(id: string, by: string, reason: string, incidentId?: string): Promise<RemediationRun> {
    const run = await this.requireRun(id, incidentId);
    const detail = `rejected by ${by}${reason ? `: ${reason}` : ""}`;
    const moved = await this.options.store.remediations.move(id, "awaiting-approval", "rejected", this.options.now(), { detail });
    if (!moved) throw new SluiceError("CONFLICT", `run ${id} is ${run.state}, not awaiting approval`);
    this.finished(run.playbook, "rejected");
    await this.noteById(run.incidentId, `playbook ${run.playbook} was ${detail}; nothing was run`);
    return (await this.options.store.remediations.get(id)) as RemediationRun;
  }

  /** Records that an incident reopened (the event handler's whole job); handled by the next tick. */
  reopened(incidentId: string): void {
    if (this.stopped || this.options.playbooks.length === 0) return;
    this.reopenedIds.add(incidentId);
    this.requested.add(incidentId);
    if (this.started) this.wake();
  }

  /** A reopened incident: its runs verified within their playbook's reopenWindow no longer count as successes. */
  private async markReopened(incidentId: string): Promise<void> {
    const { store, now } = this.options;
    for (const run of await store.remediations.list({ incidentId, state: ["verified"], limit: 50 })) {
      const playbook = this.byName.get(run.playbook);
      if (!playbook || run.reopened || run.finishedAt === null) continue;
      if (now() - run.finishedAt > playbook.config.reopenWindow) continue;
      await store.remediations.update(run.id, { reopened: true, success: false });
      await this.updateRatio(run.playbook);
      await this.noteById(
        incidentId,
        `the incident reopened within ${playbook.config.reopenWindow / 1000}s of playbook ${run.playbook} healing it: that run counts as a failure (${await this.stats(run.playbook)})`,
      );
    }
  }

  private async requireRun(id: string, incidentId?: string): Promise<RemediationRun> {
    const run = await this.options.store.remediations.get(id);
    if (!run || (incidentId !== undefined && run.incidentId !== incidentId))
      throw new SluiceError("NOT_FOUND", `no remediation run ${id}`);
    return run;
  }

  // --- steps ------------------------------------------------------------------------------------------------

  private async step(run: RemediationRun): Promise<void> {
    const playbook = this.byName.get(run.playbook);
    if (!playbook) {
      // The playbook left the config while the run was under way: nothing decides what to do next but a person.
      await this.conclude(run, run.state, "escalated", `playbook ${run.playbook} is no longer configured`, null);
      return;
    }
    switch (run.state) {
      case "matched":
        return this.execute(run, playbook);
      case "executing":
        return this.conclude(
          run,
          "executing",
          "escalated",
          `the process running playbook ${run.playbook} stopped while its action ran; whether it took effect is unknown, so it is not run again`,
          "unknown",
        );
      case "verifying":
        return this.verify(run, playbook);
      case "failed":
        return this.afterFailure(run, playbook);
      case "rolling-back":
        return this.conclude(
          run,
          "rolling-back",
          "escalated",
          `the process rolling back playbook ${run.playbook} stopped while the rollback ran; its outcome is unknown`,
          null,
        );
      default:
        return;
    }
  }

  private async execute(run: RemediationRun, playbook: Playbook): Promise<void> {
    const { store, now } = this.options;
    const incident = await store.incidents.get(run.incidentId);
    if (!incident || incident.state === "resolved") {
      if (
        await store.remediations.move(run.id, "matched", "rejected", now(), {
          detail: "the incident was resolved before the action ran",
        })
      )
        this.finished(run.playbook, "rejected");
      return;
    }
    const guardrails = guardrailsOf(playbook, this.options.paused);
    // The state change is written (durably) before the action is called: whatever happens next, it never runs twice.
    const started = await store.remediations.startExecuting(
      run.id,
      guardrails,
      now(),
      playbook.actionTimeout + this.options.lease,
    );
    if (!started.ok) {
      if (started.refusal === "not-ready") return;
      const refusal: Refusal = started.refusal;
      if (await store.remediations.move(run.id, "matched", "refused", now(), { detail: refusal })) {
        this.finished(run.playbook, "refused");
        await this.escalate(incident, `playbook ${run.playbook} was refused before it ran: ${refusalText(refusal)}`);
      }
      return;
    }
    // The fields frozen when the run matched: the target the guardrails held is the one acted on.
    const outcome = await this.run(playbook.action, run.subject, run.idempotencyKey, playbook.actionTimeout);
    if (outcome.ok) {
      await store.remediations.move(
        run.id,
        "executing",
        "verifying",
        now(),
        { detail: outcome.summary, undo: outcome.undo ?? null, verifyStartedAt: now(), holdingSince: null },
        now(),
      );
      await this.note(incident, `playbook ${run.playbook} ran: ${outcome.summary}; verifying (${this.verifyText(playbook)})`);
    } else {
      await store.remediations.move(
        run.id,
        "executing",
        "failed",
        now(),
        { detail: outcome.summary, failure: "action", finishedAt: now() },
        now(),
      );
      await this.note(incident, `playbook ${run.playbook} failed: ${outcome.summary}`);
    }
    this.again = true;
  }

  private verifyText(playbook: Playbook): string {
    const v = playbook.config.verify;
    return "query" in v
      ? `${v.query} must hold for ${v.for / 1000}s within ${v.within / 1000}s`
      : `no new signal for ${v.quietFor / 1000}s within ${v.within / 1000}s`;
  }

  private async run(
    action: RemediationAction,
    subject: ActionIncident,
    idempotencyKey: string,
    timeout: number,
    undo?: Readonly<Record<string, unknown>>,
  ): Promise<{ ok: boolean; summary: string; undo?: Readonly<Record<string, unknown>> }> {
    try {
      const context = this.context(subject, idempotencyKey, AbortSignal.timeout(timeout + this.options.lease / 2));
      return await action.execute(undo ? { ...context, undo } : context);
    } catch (error) {
      // An action that throws is a failure like any other; its message may name a secret's reference, never its value.
      return {
        ok: false,
        summary: `the ${action.kind} action failed: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
  }

  private context(incident: ActionIncident, idempotencyKey: string, signal: AbortSignal): ActionContext {
    const secrets = this.options.secrets;
    return {
      incident,
      idempotencyKey,
      signal,
      secret: (ref) => {
        const value = secrets[ref];
        if (value === undefined) throw new Error(`no secret named ${ref} in remediation.secrets`);
        return value;
      },
    };
  }

  private async verify(run: RemediationRun, playbook: Playbook): Promise<void> {
    const { store, now } = this.options;
    const incident = await store.incidents.get(run.incidentId);
    if (!incident) {
      await this.conclude(run, "verifying", "escalated", `the incident of playbook ${run.playbook}'s run is gone`, null);
      return;
    }
    const verify = playbook.config.verify;
    const started = run.verifyStartedAt ?? run.updatedAt;
    const at = now();
    let since: number | null;
    let seen: string;
    let needed: number;
    if ("query" in verify) {
      const query = fill(verify.query, run.subject, promqlString);
      const result = this.options.prometheus
        ? await this.options.prometheus(query, AbortSignal.timeout(10_000))
        : { holds: false, detail: "no Prometheus configured" };
      seen = result.detail;
      needed = verify.for;
      // A check missed for long (this process was down) breaks "continuously": the hold starts again from here.
      const gapTooLong = at - run.updatedAt > 3 * this.options.pollInterval + 1000;
      since = result.holds ? (run.holdingSince !== null && !gapTooLong ? run.holdingSince : at) : null;
    } else {
      // Quiet since the action ran or the last signal after it, whichever is later: durable times, no sampling.
      since = Math.max(incident.lastSeenAt, started);
      seen = `last signal ${Math.round((at - incident.lastSeenAt) / 1000)}s ago`;
      needed = verify.quietFor;
    }
    if (since !== null && at - since >= needed) {
      const humanActed = (await store.incidents.timeline(incident.id)).some(
        (entry) => entry.at >= run.createdAt && !entry.actor.startsWith("sluice:"),
      );
      const detail = `verified: held for ${Math.round((at - since) / 1000)}s (${seen})`;
      if (
        !(await store.remediations.move(run.id, "verifying", "verified", at, {
          detail,
          holdingSince: since,
          humanActed,
          success: !humanActed,
        }))
      )
        return;
      this.finished(run.playbook, "verified");
      await this.updateRatio(run.playbook);
      const stats = await this.stats(run.playbook);
      const human = humanActed ? "; a person acted on the incident meanwhile, so it does not count as healed automatically" : "";
      await this.note(
        incident,
        `playbook ${run.playbook} verified: ${this.verifyText(playbook)} — ${detail.slice(10)}${human}; ${stats}`,
      );
      await this.options.lifecycle
        .apply(incident.id, "resolve", { actor: REMEDIATE_ACTOR, reason: `healed by playbook ${run.playbook}` })
        .catch((error) => {
          if (!isSluiceError(error)) throw error;
        });
      return;
    }
    if (at >= started + verify.within) {
      const detail = `verification did not hold within ${verify.within / 1000}s (last check: ${seen})`;
      if (
        await store.remediations.move(
          run.id,
          "verifying",
          "failed",
          at,
          { detail, failure: "verification", holdingSince: null, finishedAt: at },
          at,
        )
      ) {
        await this.note(incident, `playbook ${run.playbook}: ${detail}`);
        this.again = true;
      }
      return;
    }
    await store.remediations.update(run.id, { holdingSince: since, updatedAt: at }, at + this.options.pollInterval);
  }

  private async afterFailure(run: RemediationRun, playbook: Playbook): Promise<void> {
    const { store, now } = this.options;
    let disabled = "";
    if (run.failure === "verification") {
      const failures = await store.remediations.failuresSinceEnabled(run.playbook, run.service);
      if (failures >= DISABLE_AFTER_FAILURES) {
        await store.remediations.disable(run.playbook, run.service, `verification failed ${failures} times`, now());
        disabled = `; playbook ${run.playbook} is now disabled for ${run.service} until an admin re-enables it (POST /api/remediations/playbooks/${run.playbook}/services/${run.service}/enable)`;
      }
    }
    const why = run.detail;
    if (!playbook.rollback || run.executedAt === null) {
      await this.conclude(
        run,
        "failed",
        "escalated",
        `playbook ${run.playbook} failed (${why}); no rollback configured${disabled}`,
        null,
      );
      return;
    }
    if (
      !(await store.remediations.move(
        run.id,
        "failed",
        "rolling-back",
        now(),
        {},
        now() + playbook.actionTimeout + this.options.lease,
      ))
    )
      return;
    // The fields frozen when the run matched (the rollback undoes the action on the target it acted on), and the
    // undo data the action returned (for example the replica count before a scale).
    const outcome = await this.run(
      playbook.rollback,
      run.subject,
      `${run.idempotencyKey}:rollback`,
      playbook.actionTimeout,
      run.undo ?? undefined,
    );
    const current = { ...run, state: "rolling-back" as const };
    if (outcome.ok)
      await this.conclude(
        current,
        "rolling-back",
        "rolled-back",
        `playbook ${run.playbook} failed (${why}); rolled back: ${outcome.summary}${disabled}`,
        null,
      );
    else
      await this.conclude(
        current,
        "rolling-back",
        "escalated",
        `playbook ${run.playbook} failed (${why}); the rollback failed too: ${outcome.summary}${disabled}`,
        null,
      );
  }

  /** Moves the run to a final state and escalates its incident with the reason. */
  private async conclude(
    run: RemediationRun,
    from: RunState,
    to: RunState,
    reason: string,
    failure: RemediationRun["failure"],
  ): Promise<void> {
    const fields = failure ? { detail: reason, failure } : { detail: reason };
    if (!(await this.options.store.remediations.move(run.id, from, to, this.options.now(), fields))) return;
    this.finished(run.playbook, to);
    await this.updateRatio(run.playbook);
    const incident = await this.options.store.incidents.get(run.incidentId);
    if (incident) await this.escalate(incident, `${reason} (${await this.stats(run.playbook)})`);
  }

  // --- the incident's side ----------------------------------------------------------------------------------

  private async escalate(incident: Incident, reason: string): Promise<void> {
    try {
      await this.options.lifecycle.apply(incident.id, "escalate", { actor: REMEDIATE_ACTOR, reason });
    } catch (error) {
      if (!isSluiceError(error)) throw error;
      // Already escalated (or resolved): the tickets still hear why.
      await this.note(incident, reason);
    }
  }

  private async noteById(incidentId: string, detail: string): Promise<void> {
    const incident = await this.options.store.incidents.get(incidentId);
    if (incident) await this.note(incident, detail);
  }

  /** On the timeline and, while the incident is unresolved, in every linked ticket. */
  private async note(incident: Incident, detail: string): Promise<void> {
    const at = this.options.now();
    const changes = emptyChangeSet();
    const send = incident.state === "resolved" ? undefined : { action: "comment" as const };
    fanOut(changes, incident, at, { actor: REMEDIATE_ACTOR, action: "remediation", detail, send });
    await this.options.store.apply(changes);
    // A new timeline entry: watchers of the incident (the console's server-sent events) reload it and its runs.
    this.options.events.publish({
      type: "IncidentChanged",
      incidentId: incident.id,
      at,
      actor: REMEDIATE_ACTOR,
      change: { kind: "note" },
    });
    if (changes.deliveries.length > 0)
      this.options.events.publish({ type: "DeliveriesQueued", at, count: changes.deliveries.length });
  }

  private async stats(playbook: string): Promise<string> {
    return scoreText((await this.options.store.remediations.stats(playbook))[0]);
  }

  private finished(playbook: string, outcome: RunState): void {
    this.options.count?.(playbook, outcome);
  }

  private async updateRatio(playbook: string): Promise<void> {
    const stats = (await this.options.store.remediations.stats(playbook))[0];
    if (stats?.successRate !== null && stats?.successRate !== undefined) this.options.ratio?.(playbook, stats.successRate);
  }
}
