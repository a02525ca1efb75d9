import type { InvestigationDelivery } from "./investigation.ts";

export const DELIVERY_ACTIONS = ["create", "update", "acknowledge", "resolve", "escalate", "reopen", "comment"] as const;
export type DeliveryAction = (typeof DELIVERY_ACTIONS)[number];

export type DeliveryStatus = "pending" | "delivered" | "dead";

/** One outbox row: a change of an incident that a platform must learn about. */
export interface Delivery {
  id: string;
  incidentId: string;
  platform: string;
  action: DeliveryAction;
  idempotencyKey: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  /** Free text for comments and updates (e.g. the note, the reason of an escalation). */
  detail: string;
  /** When the signal or action that caused this delivery was received, for latency. */
  causedAt: number;
  createdAt: number;
  updatedAt: number;
}

export type NewDelivery = Pick<Delivery, "incidentId" | "platform" | "action" | "detail" | "causedAt"> & {
  /** Not sent before this time (epoch ms, the caller's clock); absent, due at once. A first page held to settle (issue 17). */
  notBefore?: number;
  /** An investigation report for the connector to render natively (`detail` is its plain-text form). */
  investigation?: InvestigationDelivery;
};
