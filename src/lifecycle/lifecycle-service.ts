import type { Clock } from "../core/clock.ts";
import type { IncidentContext } from "../core/enrichment.ts";
import { SluiceError } from "../core/errors.ts";
import type { EventPublisher, IncidentChange } from "../core/events.ts";
import type { Incident, LifecycleAction } from "../core/incident.ts";
import { type LifecycleMetrics, noLifecycleMetrics } from "../core/lifecycle-metrics.ts";
import { type ChangeSet, emptyChangeSet, type Store, type IncidentChange as StoredChange } from "../core/ports/store.ts";
import { OUTCOME_ACTION, type ResolveOutcome } from "../core/resolve-outcome.ts";
import { MERGE_ACTOR, mergedIntoDetail } from "../core/timeline.ts";
import { writeFresh } from "../core/write-fresh.ts";
import type { EscalationReach, EscalationTargets } from "./escalation-levels.ts";
import { fanOut, fanOutTransition } from "./fan-out.ts";

export interface ChangeOrigin {
  /** Who did it: "api:<token name>", "sluice:auto-resolve", "<platform>:<user>". */
  actor: string;
  /** The platform the change came from; its ticket is not sent the change back. */
  platform?: string;
  /** Why, in the actor's words; goes to the timeline and to the tickets. */
  reason?: string;
  /**
   * How a resolved incident ended, and where that was said ("given through the API", "jira resolution
   * Won't Do"): an `outcome` timeline entry beside the resolve, which the ticketing SLIs read.
   */
  outcome?: { value: ResolveOutcome; source: string };
}

/** Why one incident merges into another: the rule both timelines name, and the survivor's timeline action. */
export interface MergeKind {
  rule: string;
  /** Also the kind of the survivor's IncidentChanged event. */
  action: "symptom-merged" | "pattern-merged";
}

const SYMPTOM_MERGE: MergeKind = {
  rule: "blast radius: a symptom's incident that opened before its root cause's is merged into it",
  action: "symptom-merged",
};

/** What each lifecycle action is, as a domain event (resolve has an event of its own). */
const CHANGE_OF_ACTION: Record<Exclude<LifecycleAction, "resolve">, IncidentChange> = {
  acknowledge: { kind: "acknowledged" },
  escalate: { kind: "escalated" },
  reopen: { kind: "reopened" },
};

/**
 * Applies lifecycle actions and notes: validates, writes the timeline and queues ticket updates in one
 * transaction, then publishes what changed (domain events) for the features that follow incidents.
 */
export class LifecycleService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly events: EventPublisher,
    private readonly metrics: LifecycleMetrics = noLifecycleMetrics,
    /** Masks secrets and personal data in what people type: notes, reasons, details from platforms. */
    private readonly redact: (text: string) => string = (text) => text,
    /** What each escalation level reaches (escalation.policies[].levels); none: escalations re-notify only. */
    private readonly escalationTargets: EscalationTargets = () => null,
  ) {}

  /**
   * Applies `action` through the transition rules. `stillWanted`, checked against the incident as read
   * on every attempt, says why an action decided on an older read no longer applies (a quiet incident
   * that got a signal meanwhile); the action is then refused (INVALID_TRANSITION).
   */
  async apply(
    idOrKey: string,
    action: LifecycleAction,
    given: ChangeOrigin,
    stillWanted?: (incident: Incident) => string | null,
  ): Promise<Incident> {
    const origin = this.redactOrigin(given);
    const incident = await this.writeFresh(idOrKey, (incident, now) => {
      const stale = stillWanted?.(incident);
      if (stale) throw new SluiceError("INVALID_TRANSITION", stale);
      const changes = emptyChangeSet();
      const reach = action === "escalate" ? this.escalationTargets(incident, incident.escalationLevel + 1) : null;
      const added = reach ? reach.platforms.filter((platform) => !incident.platforms.includes(platform)) : [];
      const result = fanOutTransition(changes, incident, action, {
        actor: origin.actor,
        detail: reach ? withReach(origin.reason ?? "", reach, added) : (origin.reason ?? ""),
        at: now,
        except: origin.platform,
      });
      if (!result.ok) throw new SluiceError("INVALID_TRANSITION", result.reason);
      // A platform the level reaches that had no ticket gets one, with the incident's story so far; the
      // incident's platforms grow in the same write, so a second attempt (a retried timer, another
      // replica) finds the level taken and the platform present, and never opens a second ticket.
      if (reach && added.length > 0) {
        for (const platform of added)
          changes.deliveries.push({
            incidentId: incident.id,
            platform,
            action: "create",
            detail: escalatedTicketText(incident, reach, origin),
            causedAt: now,
          });
        result.set.platforms = [...incident.platforms, ...added];
      }
      if (action === "resolve" && origin.outcome) {
        const { value, source } = origin.outcome;
        changes.timeline.push({
          incidentId: incident.id,
          at: now,
          actor: origin.actor,
          action: OUTCOME_ACTION,
          detail: value,
          rule: source,
        });
      }
      changes.incidentChanges.push(versionedChange(incident, now, result.set));
      return changes;
    });
    const at = this.clock.now();
    if (action === "resolve") this.events.publish({ type: "IncidentResolved", incidentId: incident.id, at, actor: origin.actor });
    else
      this.events.publish({
        type: "IncidentChanged",
        incidentId: incident.id,
        at,
        actor: origin.actor,
        change: CHANGE_OF_ACTION[action],
      });
    const updated = (await this.store.incidents.get(incident.id)) as Incident;
    if (action === "acknowledge" || action === "resolve") {
      const seconds = (this.clock.now() - updated.firstSeenAt) / 1000;
      this.metrics.settled(action === "acknowledge" ? "acknowledged" : "resolved", updated.severity, seconds);
    }
    return updated;
  }

  /**
   * Resolves a symptom's incident as merged into its root cause's, in one transaction with a note on the
   * root: both timelines say so, the symptom's tickets are resolved with the reason, the root's get a comment.
   * `why` names the rule (default: blast radius); incidents of merged error patterns use it too (issue 17).
   */
  async merge(symptomId: string, rootId: string, reason: string, why: MergeKind = SYMPTOM_MERGE): Promise<void> {
    const root = await this.require(rootId);
    await this.writeFresh(symptomId, (incident, now) => {
      const changes = emptyChangeSet();
      const detail = mergedIntoDetail(root.key, reason);
      const result = fanOutTransition(changes, incident, "resolve", { actor: MERGE_ACTOR, detail, rule: why.rule, at: now });
      if (!result.ok) throw new SluiceError("INVALID_TRANSITION", result.reason);
      changes.incidentChanges.push(versionedChange(incident, now, result.set));
      fanOut(changes, root, now, {
        actor: MERGE_ACTOR,
        action: why.action,
        detail: `${incident.key} (${incident.service}) was merged into this incident: ${reason}`,
        rule: why.rule,
        send: { action: "comment" },
      });
      return changes;
    });
    const at = this.clock.now();
    this.events.publish({ type: "IncidentResolved", incidentId: symptomId, at, actor: MERGE_ACTOR, mergedInto: root.id });
    this.events.publish({
      type: "IncidentChanged",
      incidentId: root.id,
      at,
      actor: MERGE_ACTOR,
      change:
        why.action === "pattern-merged" ? { kind: "pattern-merged", mergedId: symptomId } : { kind: "symptom-merged", symptomId },
    });
  }

  /**
   * Merges late enrichment (a trace assembled after the incident opened, more affected users) into the
   * incident's context. With `announce`, the change goes on the timeline and to every linked ticket.
   */
  async updateContext(
    incidentId: string,
    patch: Partial<IncidentContext>,
    announce?: { actor: string; detail: string },
  ): Promise<void> {
    await this.writeFresh(incidentId, (incident, now) => {
      const changes = emptyChangeSet();
      changes.incidentChanges.push(versionedChange(incident, now, { context: { ...incident.context, ...patch } }));
      if (!announce) return changes;
      // A resolved incident's tickets are closed: the news stays on its timeline.
      const send = incident.state === "resolved" ? undefined : { action: "update" as const };
      fanOut(changes, incident, now, { actor: announce.actor, action: "enriched", detail: this.redact(announce.detail), send });
      return changes;
    });
    this.events.publish({
      type: "IncidentChanged",
      incidentId,
      at: this.clock.now(),
      actor: announce?.actor ?? "sluice:enrich",
      change: { kind: "context-updated", parts: Object.keys(patch) as (keyof IncidentContext)[] },
    });
  }

  /** Writes a change built from the incident as read, again on every race it loses (see store/write-fresh.ts). */
  private async writeFresh(idOrKey: string, build: (incident: Incident, now: number) => ChangeSet): Promise<Incident> {
    const written = await writeFresh(this.store, idOrKey, (incident) => build(incident, this.clock.now()));
    if (!written) throw new SluiceError("NOT_FOUND", `no incident ${idOrKey}`);
    this.deliveriesQueued(written.changes.deliveries.length);
    return written.incident;
  }

  async addNote(idOrKey: string, typed: string, origin: ChangeOrigin): Promise<void> {
    const text = this.redact(typed);
    const incident = await this.require(idOrKey);
    const now = this.clock.now();
    const changes = emptyChangeSet();
    fanOut(changes, incident, now, {
      actor: origin.actor,
      action: "note",
      detail: text,
      send: { action: "comment", except: origin.platform },
    });
    await this.store.apply(changes);
    const at = this.clock.now();
    this.events.publish({ type: "IncidentChanged", incidentId: incident.id, at, actor: origin.actor, change: { kind: "note" } });
    this.deliveriesQueued(changes.deliveries.length);
  }

  private deliveriesQueued(count: number): void {
    if (count > 0) this.events.publish({ type: "DeliveriesQueued", at: this.clock.now(), count });
  }

  /** Records a change that was refused, so the timeline explains why a platform's state was not followed. */
  async recordIgnored(incidentId: string, actor: string, detail: string): Promise<void> {
    await this.recordEvent(incidentId, actor, "ignored", detail, "lifecycle");
  }

  /** A timeline entry that changes nothing else (an assignment, a refused change). */
  async recordEvent(
    incidentId: string,
    actor: string,
    action: string,
    detail: string,
    rule: string | null = null,
  ): Promise<void> {
    const changes = emptyChangeSet();
    // Platforms are not read: nothing is sent.
    fanOut(changes, { id: incidentId, platforms: [] }, this.clock.now(), { actor, action, detail: this.redact(detail), rule });
    await this.store.apply(changes);
  }

  // The actor stays as it is: it names the account that acted (an audit record), not text someone typed.
  private redactOrigin(origin: ChangeOrigin): ChangeOrigin {
    const reason = origin.reason === undefined ? {} : { reason: this.redact(origin.reason) };
    const outcome = origin.outcome ? { outcome: { ...origin.outcome, source: this.redact(origin.outcome.source) } } : {};
    return { ...origin, ...reason, ...outcome };
  }

  private async require(idOrKey: string): Promise<Incident> {
    const incident = await this.store.incidents.get(idOrKey);
    if (!incident) throw new SluiceError("NOT_FOUND", `no incident ${idOrKey}`);
    return incident;
  }
}

/** A change of the incident's fields, written only at the version it was built from. */
function versionedChange(incident: Incident, now: number, set: StoredChange["set"]): StoredChange {
  return { id: incident.id, expectedVersion: incident.version, at: now, addSignals: 0, set };
}

/** The timeline's words for an escalation that reached a level: to whom, by which policy. */
function withReach(reason: string, reach: EscalationReach, added: readonly string[]): string {
  const team = reach.team ? ` and team ${reach.team}` : "";
  const to = reach.platforms.length ? reach.platforms.join(", ") : "no platform";
  const fresh = added.length ? ` (new tickets: ${added.join(", ")})` : "";
  const reassigned = reach.reassigned.length ? `; reassigned: ${reach.reassigned.join(", ")}` : "";
  const level = `escalated to level ${reach.level} of policy "${reach.policy}": ${to}${team}${fresh}${reassigned}`;
  return reason ? `${reason}; ${level}` : level;
}

/** What a platform that joins at an escalation is told: why it is paged now, and the incident's story so far. */
function escalatedTicketText(incident: Incident, reach: EscalationReach, origin: ChangeOrigin): string {
  const since = new Date(incident.firstSeenAt).toISOString();
  const why = origin.reason ? `: ${origin.reason}` : "";
  return (
    `Escalated to you (level ${reach.level} of policy "${reach.policy}") by ${origin.actor}${why}. ` +
    `Open since ${since} with ${incident.signalCount} signal(s); state ${incident.state}, escalation ${incident.escalationLevel + 1}. ` +
    `Already on: ${incident.platforms.join(", ") || "no platform"}.`
  );
}
