import type { Clock } from "../core/clock.ts";
import type { IncidentContext } from "../core/enrichment.ts";
import { SluiceError } from "../core/errors.ts";
import type { Incident, LifecycleAction } from "../core/incident.ts";
import { type LifecycleMetrics, noLifecycleMetrics } from "../core/lifecycle-metrics.ts";
import { type ChangeSet, emptyChangeSet, type IncidentChange, type Store } from "../store/store.ts";
import { writeFresh } from "../store/write-fresh.ts";
import { transition } from "./transition.ts";

export interface ChangeOrigin {
  /** Who did it: "api:<token name>", "sluice:auto-resolve", "<platform>:<user>". */
  actor: string;
  /** The platform the change came from; its ticket is not sent the change back. */
  platform?: string;
  /** Why, in the actor's words; goes to the timeline and to the tickets. */
  reason?: string;
}

const MERGE_ACTOR = "sluice:merge";
const MERGE_RULE = "blast radius: a symptom's incident that opened before its root cause's is merged into it";

/** Applies lifecycle actions and notes: validates, writes the timeline and queues ticket updates in one transaction. */
export class LifecycleService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly onDeliveriesQueued: () => void,
    private readonly metrics: LifecycleMetrics = noLifecycleMetrics,
    /** Masks secrets and personal data in what people type: notes, reasons, details from platforms. */
    private readonly redact: (text: string) => string = (text) => text,
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
      const result = transition(incident, action, now);
      if (!result.ok) throw new SluiceError("INVALID_TRANSITION", result.reason);
      const changes = changeOf(incident, now, result.set);
      const detail = origin.reason ?? "";
      changes.timeline.push({
        incidentId: incident.id,
        at: now,
        actor: origin.actor,
        action: result.timelineAction,
        detail,
        rule: null,
      });
      for (const platform of incident.platforms) {
        if (platform === origin.platform) continue;
        changes.deliveries.push({ incidentId: incident.id, platform, action: result.deliveryAction, detail, causedAt: now });
      }
      return changes;
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
   */
  async merge(symptomId: string, rootId: string, reason: string): Promise<void> {
    const root = await this.require(rootId);
    await this.writeFresh(symptomId, (incident, now) => {
      const result = transition(incident, "resolve", now);
      if (!result.ok) throw new SluiceError("INVALID_TRANSITION", result.reason);
      const changes = changeOf(incident, now, result.set);
      const detail = `merged into ${root.key}: ${reason}`;
      changes.timeline.push({
        incidentId: incident.id,
        at: now,
        actor: MERGE_ACTOR,
        action: result.timelineAction,
        detail,
        rule: MERGE_RULE,
      });
      for (const platform of incident.platforms) {
        changes.deliveries.push({ incidentId: incident.id, platform, action: result.deliveryAction, detail, causedAt: now });
      }
      const note = `${incident.key} (${incident.service}) was merged into this incident: ${reason}`;
      changes.timeline.push({
        incidentId: root.id,
        at: now,
        actor: MERGE_ACTOR,
        action: "symptom-merged",
        detail: note,
        rule: MERGE_RULE,
      });
      for (const platform of root.platforms) {
        changes.deliveries.push({ incidentId: root.id, platform, action: "comment", detail: note, causedAt: now });
      }
      return changes;
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
      const changes = changeOf(incident, now, { context: { ...incident.context, ...patch } });
      if (!announce) return changes;
      const { actor } = announce;
      const detail = this.redact(announce.detail);
      changes.timeline.push({ incidentId: incident.id, at: now, actor, action: "enriched", detail, rule: null });
      if (incident.state !== "resolved") {
        for (const platform of incident.platforms) {
          changes.deliveries.push({ incidentId: incident.id, platform, action: "update", detail, causedAt: now });
        }
      }
      return changes;
    });
  }

  /** Writes a change built from the incident as read, again on every race it loses (see store/write-fresh.ts). */
  private async writeFresh(idOrKey: string, build: (incident: Incident, now: number) => ChangeSet): Promise<Incident> {
    const written = await writeFresh(this.store, idOrKey, (incident) => build(incident, this.clock.now()));
    if (!written) throw new SluiceError("NOT_FOUND", `no incident ${idOrKey}`);
    if (written.changes.deliveries.length > 0) this.onDeliveriesQueued();
    return written.incident;
  }

  async addNote(idOrKey: string, typed: string, origin: ChangeOrigin): Promise<void> {
    const text = this.redact(typed);
    const incident = await this.require(idOrKey);
    const now = this.clock.now();
    const changes = emptyChangeSet();
    changes.timeline.push({ incidentId: incident.id, at: now, actor: origin.actor, action: "note", detail: text, rule: null });
    for (const platform of incident.platforms) {
      if (platform === origin.platform) continue;
      changes.deliveries.push({ incidentId: incident.id, platform, action: "comment", detail: text, causedAt: now });
    }
    await this.store.apply(changes);
    if (changes.deliveries.length > 0) this.onDeliveriesQueued();
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
    changes.timeline.push({
      incidentId,
      at: this.clock.now(),
      actor,
      action,
      detail: this.redact(detail),
      rule,
    });
    await this.store.apply(changes);
  }

  // The actor stays as it is: it names the account that acted (an audit record), not text someone typed.
  private redactOrigin(origin: ChangeOrigin): ChangeOrigin {
    return origin.reason === undefined ? origin : { ...origin, reason: this.redact(origin.reason) };
  }

  private async require(idOrKey: string): Promise<Incident> {
    const incident = await this.store.incidents.get(idOrKey);
    if (!incident) throw new SluiceError("NOT_FOUND", `no incident ${idOrKey}`);
    return incident;
  }
}

/** A change set holding one versioned change of the incident. */
function changeOf(incident: Incident, now: number, set: IncidentChange["set"]): ChangeSet {
  const changes = emptyChangeSet();
  changes.incidentChanges.push({ id: incident.id, expectedVersion: incident.version, at: now, addSignals: 0, set });
  return changes;
}
