import type { DeliveryAction } from "../core/delivery.ts";
import type { LifecycleAction } from "../core/incident.ts";
import type { InvestigationDelivery } from "../core/investigation.ts";
import type { ChangeSet } from "../core/ports/store.ts";
import { type TransitionResult, type TransitionSubject, transition } from "./transition.ts";

/** The incident a change is about: its id, and the platforms its tickets live on. */
export interface FanOutTarget {
  id: string;
  platforms: readonly string[];
}

/** One thing that happened to an incident: how its timeline records it and what its tickets are sent. */
export interface FanOutEntry {
  /** Who did it: "sluice:<stage>", "api:<token name>", "<platform>:<user>". */
  actor: string;
  /** The timeline's word for it ("resolved", "severity-raised", "note"...). */
  action: string;
  detail: string;
  /** The rule or decision that fired, when there was one. */
  rule?: string | null;
  /** What every linked ticket is sent; absent, the change stays on the timeline. */
  send?: {
    action: DeliveryAction;
    /** The tickets' text when it differs from the timeline's (default: the same detail). */
    detail?: string;
    /** When its cause reached Sluice, e.g. the signal's receivedAt (default: the entry's time). */
    causedAt?: number;
    /** The platform the change came from: its own ticket is not sent it back, or the two would echo forever. */
    except?: string;
    /** An investigation report each connector renders in its platform's own form (`detail` is its plain text). */
    investigation?: InvestigationDelivery;
  };
}

/**
 * The one way a change reaches people: a timeline entry on the incident and, when the change is sent, a
 * delivery to every linked ticket but the one it came from, in the incident's platform order.
 */
export function fanOut(changes: ChangeSet, incident: FanOutTarget, at: number, entry: FanOutEntry): void {
  const { actor, action, detail, send } = entry;
  changes.timeline.push({ incidentId: incident.id, at, actor, action, detail, rule: entry.rule ?? null });
  if (!send) return;
  for (const platform of incident.platforms) {
    if (platform === send.except) continue;
    changes.deliveries.push({
      incidentId: incident.id,
      platform,
      action: send.action,
      detail: send.detail ?? detail,
      causedAt: send.causedAt ?? at,
      ...(send.investigation ? { investigation: send.investigation } : {}),
    });
  }
}

/** How a lifecycle action is recorded: who, why, and when it took effect and was recorded. */
export interface TransitionEntry {
  actor: string;
  detail: string;
  rule?: string | null;
  /** When the change took effect (a resolve's resolvedAt). */
  at: number;
  /** When it is recorded on the timeline (default: `at`). */
  recordedAt?: number;
  /** When its cause reached Sluice (default: the recording time). */
  causedAt?: number;
  /** The platform the change came from, whose ticket is not sent it. */
  except?: string;
}

/**
 * A lifecycle action through the transition rules and the fan-out: when the rules allow it, writes the timeline
 * entry and the tickets' deliveries into `changes` and returns the fields the incident changes (the caller
 * writes them at the version it read); when they refuse it, writes nothing and returns the reason.
 */
export function fanOutTransition(
  changes: ChangeSet,
  incident: TransitionSubject & FanOutTarget,
  action: LifecycleAction,
  entry: TransitionEntry,
): TransitionResult {
  const result = transition(incident, action, entry.at);
  if (!result.ok) return result;
  const recordedAt = entry.recordedAt ?? entry.at;
  fanOut(changes, incident, recordedAt, {
    actor: entry.actor,
    action: result.timelineAction,
    detail: entry.detail,
    rule: entry.rule ?? null,
    send: { action: result.deliveryAction, causedAt: entry.causedAt ?? recordedAt, except: entry.except },
  });
  return result;
}
