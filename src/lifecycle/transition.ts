import type { DeliveryAction } from "../core/delivery.ts";
import type { Incident, IncidentState, LifecycleAction } from "../core/incident.ts";
import type { IncidentChange } from "../core/ports/store.ts";

const ALLOWED_FROM: Record<LifecycleAction, readonly IncidentState[]> = {
  acknowledge: ["open", "escalated"],
  resolve: ["open", "acknowledged", "escalated"],
  escalate: ["open", "acknowledged", "escalated"],
  reopen: ["resolved"],
};

/** What the rules read of an incident: an incident as stored, or as correlation sees it mid-batch. */
export type TransitionSubject = Pick<Incident, "key" | "state" | "escalationLevel">;

export type TransitionResult =
  | { ok: true; set: IncidentChange["set"]; timelineAction: string; deliveryAction: DeliveryAction }
  | { ok: false; reason: string };

/**
 * The one lifecycle rule book: whether `action` may happen to `incident` now, and what it changes.
 * Every origin (API, platform webhook, timer, auto-resolve, a batch's resolves and reopens, a symptom merge)
 * goes through here, and through fanOutTransition (fan-out.ts) to reach the timeline and the tickets.
 */
export function transition(incident: TransitionSubject, action: LifecycleAction, at: number): TransitionResult {
  const allowed = ALLOWED_FROM[action];
  if (!allowed.includes(incident.state)) {
    return {
      ok: false,
      reason: `${incident.key} is ${incident.state}; ${action} applies only to ${allowed.join(" or ")} incidents`,
    };
  }
  switch (action) {
    case "acknowledge":
      return {
        ok: true,
        set: { state: "acknowledged", acknowledgedAt: at },
        timelineAction: "acknowledged",
        deliveryAction: "acknowledge",
      };
    case "resolve":
      return { ok: true, set: { state: "resolved", resolvedAt: at }, timelineAction: "resolved", deliveryAction: "resolve" };
    case "escalate":
      return {
        ok: true,
        set: { state: "escalated", escalationLevel: incident.escalationLevel + 1 },
        timelineAction: "escalated",
        deliveryAction: "escalate",
      };
    case "reopen":
      // A reopened incident is a fresh page: its escalation starts over.
      return {
        ok: true,
        set: { state: "open", resolvedAt: null, acknowledgedAt: null, escalationLevel: 0 },
        timelineAction: "reopened",
        deliveryAction: "reopen",
      };
  }
}
