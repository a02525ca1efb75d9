import type { Clock } from "../../core/clock.ts";
import { isSluiceError } from "../../core/errors.ts";
import type { InboundEvent, RemediationApprovals } from "../../core/inbound.ts";
import type { Incident } from "../../core/incident.ts";
import type { Store } from "../../core/ports/store.ts";
import type { ResolveOutcome } from "../../core/resolve-outcome.ts";
import type { LifecycleService } from "../lifecycle-service.ts";
import { transition } from "../transition.ts";

/** What happened to one inbound event. */
export type InboundOutcome =
  | { result: "applied"; incident: string }
  | { result: "echo"; incident: string; why: string }
  | { result: "ignored"; incident: string; why: string }
  | { result: "unknown-ticket" };

const CLOCK_TOLERANCE_MS = 5_000;
const STATE_CHANGES = new Set(["acknowledged", "resolved", "escalated", "reopened"]);

/** How long our own note can come back from a platform as its comment and still be recognised. */
const ECHO_WINDOW_MS = 10 * 60_000;

/**
 * Applies what platforms report through the one lifecycle path, so the change reaches every other
 * linked ticket but not the one it came from, and recognises echoes of Sluice's own updates.
 */
export class InboundSync {
  constructor(
    private readonly store: Store,
    private readonly lifecycle: LifecycleService,
    private readonly clock: Clock,
    /** Platforms whose assignment acknowledges the incident (off by default). */
    private readonly autoAcknowledgeOn: readonly string[] = [],
    /** Told how long an applied change took from the platform to Sluice, when the platform says when it happened. */
    private readonly observeLag: (platform: string, seconds: number) => void = () => {},
    /** What a platform's resolution or close code means (sli.outcomes, then the defaults); null: not known. */
    private readonly outcomeOf: (platform: string, code: string) => ResolveOutcome | null = () => null,
    /** Decides remediation runs' Approve / Reject buttons; null when remediation is off. */
    private readonly approvals: RemediationApprovals | null = null,
  ) {}

  async apply(platform: string, event: InboundEvent): Promise<InboundOutcome> {
    const outcome = await this.decide(platform, event);
    if (outcome.result === "applied" && event.at !== undefined) {
      this.observeLag(platform, Math.max(0, this.clock.now() - event.at) / 1000);
    }
    return outcome;
  }

  private async decide(platform: string, event: InboundEvent): Promise<InboundOutcome> {
    const incident = await this.findIncident(platform, event);
    if (!incident) return { result: "unknown-ticket" };
    if (event.platformId) await this.store.deliveries.setPlatformId(incident.id, platform, event.platformId);
    const actor = `${platform}:${event.user}`;
    if ("comment" in event.change) return this.comment(platform, incident, event.change.comment, actor);
    if ("assigned" in event.change) return this.assigned(platform, incident, event.change.assigned, actor);
    if ("remediation" in event.change) return this.remediation(incident, event.change, actor);
    const { action } = event.change;
    const check = transition(incident, action, this.clock.now());
    if (!check.ok) {
      // Our own update coming back (PagerDuty says "acknowledged" after we acknowledged it) is an echo;
      // anything else the state forbids lost a race (resolved beats acknowledged) and is recorded as such.
      const target = { acknowledge: "acknowledged", resolve: "resolved", escalate: "escalated", reopen: "open" }[action];
      if (incident.state === target) return { result: "echo", incident: incident.key, why: `already ${target}` };
      await this.lifecycle.recordIgnored(incident.id, actor, `${action} from ${platform} ignored: ${check.reason}`);
      return { result: "ignored", incident: incident.key, why: check.reason };
    }
    const superseded = await this.supersededBy(incident, event.at);
    if (superseded) {
      const why = `${action} in ${platform} at ${new Date(event.at ?? 0).toISOString()} is older than the ${superseded.action} at ${new Date(superseded.at).toISOString()} (later change wins)`;
      await this.lifecycle.recordIgnored(incident.id, actor, why);
      return { result: "ignored", incident: incident.key, why };
    }

    const code = action === "resolve" ? event.change.resolution?.trim() : undefined;
    const outcome = code ? this.outcomeOf(platform, code) : null;
    try {
      await this.lifecycle.apply(incident.id, action, {
        actor,
        ...(event.updateOrigin ? {} : { platform }),
        reason: `${action} in ${platform} by ${event.user}${code ? ` (${code})` : ""}`,
        ...(outcome && code ? { outcome: { value: outcome, source: `${platform} resolution "${code}"` } } : {}),
      });
    } catch (error) {
      if (isSluiceError(error) && (error.code === "INVALID_TRANSITION" || error.code === "CONFLICT")) {
        return { result: "ignored", incident: incident.key, why: error.message };
      }
      throw error;
    }
    return { result: "applied", incident: incident.key };
  }

  /**
   * An assignment is recorded; with auto-acknowledge on for the platform, an unacknowledged incident is
   * acknowledged too (someone owns it now), which every other linked ticket then follows.
   */
  private async assigned(platform: string, incident: Incident, assignee: string, actor: string): Promise<InboundOutcome> {
    const auto = this.autoAcknowledgeOn.includes(platform) && (incident.state === "open" || incident.state === "escalated");
    if (!auto) {
      await this.lifecycle.recordEvent(incident.id, actor, "assigned", `assigned to ${assignee} in ${platform}`);
      return { result: "applied", incident: incident.key };
    }
    await this.lifecycle.apply(incident.id, "acknowledge", {
      actor,
      platform,
      reason: `assigned to ${assignee} in ${platform}; acknowledged automatically (lifecycle.autoAcknowledge)`,
    });
    return { result: "applied", incident: incident.key };
  }

  /**
   * An Approve / Reject button of a run awaiting approval. The remediator's compare-and-set decides: a second
   * click, a replayed callback or a run another responder already decided is a CONFLICT, reported as ignored.
   */
  private async remediation(
    incident: Incident,
    change: { remediation: "approve" | "reject"; runId: string; reason?: string },
    actor: string,
  ): Promise<InboundOutcome> {
    if (!this.approvals) return { result: "ignored", incident: incident.key, why: "remediation is disabled" };
    try {
      if (change.remediation === "approve") await this.approvals.approve(change.runId, actor, incident.id);
      else await this.approvals.reject(change.runId, actor, change.reason ?? "", incident.id);
    } catch (error) {
      if (isSluiceError(error) && error.code === "CONFLICT")
        return { result: "ignored", incident: incident.key, why: `not awaiting approval: ${error.message}` };
      if (isSluiceError(error) && error.code === "NOT_FOUND")
        return { result: "ignored", incident: incident.key, why: `no remediation run ${change.runId} on ${incident.key}` };
      throw error;
    }
    return { result: "applied", incident: incident.key };
  }

  /** The state change already applied that happened after `at`, if any: a late-arriving older change loses. */
  private async supersededBy(incident: Incident, at: number | undefined): Promise<{ action: string; at: number } | undefined> {
    if (at === undefined) return undefined;
    const timeline = await this.store.incidents.timeline(incident.id);
    const last = timeline.filter((entry) => STATE_CHANGES.has(entry.action)).at(-1);
    // Platforms stamp events in whole seconds and their clocks drift a little from ours: only a change
    // clearly older than the current state loses.
    return last && last.at - at > CLOCK_TOLERANCE_MS ? { action: last.action, at: last.at } : undefined;
  }

  private async comment(platform: string, incident: Incident, text: string, actor: string): Promise<InboundOutcome> {
    const now = this.clock.now();
    const timeline = await this.store.incidents.timeline(incident.id);
    const own = timeline.some(
      (entry) => entry.action === "note" && entry.detail.trim() === text.trim() && now - entry.at < ECHO_WINDOW_MS,
    );
    if (own) return { result: "echo", incident: incident.key, why: "the note Sluice sent" };
    await this.lifecycle.addNote(incident.id, text, { actor, platform });
    return { result: "applied", incident: incident.key };
  }

  private async findIncident(platform: string, event: InboundEvent): Promise<Incident | null> {
    const ref = event.ticketRef;
    if ("externalId" in ref) return this.store.incidents.byTicket(platform, ref.externalId);
    const match = /^sluice-(.+)-[a-z]+$/.exec(ref.idempotencyKey);
    return match?.[1] ? this.store.incidents.get(match[1]) : null;
  }
}
