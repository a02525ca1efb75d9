import type { LifecycleAction } from "./incident.ts";

/** What an inbound request from a platform carries, as the sync handler sees it. */
export interface InboundRequest {
  headers: Record<string, string | string[] | undefined>;
  /** The body exactly as sent: signatures are computed over these bytes. */
  rawBody: Buffer;
  /** Receive time, for replay windows. */
  now: number;
}

/** One change a platform reports about one of its tickets. */
export interface InboundEvent {
  /** The platform's id of the ticket (as stored in Sluice's tickets), or Sluice's idempotency key for it. */
  ticketRef: { externalId: string } | { idempotencyKey: string };
  /**
   * A state change (a resolve may carry the platform's resolution or close code, which `sli.outcomes`
   * maps to how the incident ended), a comment, or an assignment.
   */
  change:
    | { action: LifecycleAction; resolution?: string }
    | { comment: string }
    | { assigned: string }
    /** A remediation run's Approve / Reject button (Slack). */
    | { remediation: "approve" | "reject"; runId: string; reason?: string };
  /** Who did it on the platform (name or id), for the timeline. */
  user: string;
  /** A second id the platform knows the ticket by (PagerDuty's incident id), remembered for its later events. */
  platformId?: string;
  /** When it happened on the platform, epoch ms. */
  at?: number;
  /**
   * The origin's own ticket still gets the change: a Slack button press changes nothing on the
   * message by itself, so its root message is re-rendered like every other linked ticket.
   */
  updateOrigin?: boolean;
}

/** A linked ticket a poller asks its platform about. */
export interface PolledTicket {
  incidentId: string;
  externalId: string;
}

/** For platforms that cannot call Sluice: asks them what changed on the linked tickets since a time. */
export interface SyncPoller {
  readonly platform: string;
  readonly intervalMs: number;
  /** Events for the tickets changed at or after `since` (epoch ms); duplicates are harmless. */
  poll(tickets: readonly PolledTicket[], since: number): Promise<InboundEvent[]>;
}

/** A platform's inbound side: checks the sender and maps its payload to events. */
export interface SyncHandler {
  readonly platform: string;
  /** True when the request is signed (or otherwise proven) by the platform; never throws. */
  verify(request: InboundRequest): boolean;
  /** The events in a verified request; throws SluiceError VALIDATION_FAILED for payloads it cannot read. */
  parse(request: InboundRequest): InboundEvent[];
  /**
   * Tells the platform what became of its events once they were applied (Slack: the Approve / Reject
   * buttons are answered in the channel). Best effort: never throws, and the changes stand either way.
   */
  answer?(request: InboundRequest, results: readonly InboundAnswer[]): Promise<void>;
}

/** One parsed event and what became of it (`applied`, `echo`, `ignored` with why, `unknown-ticket`). */
export interface InboundAnswer {
  event: InboundEvent;
  result: string;
  why?: string;
}

/**
 * Approves or rejects remediation runs for platforms' buttons (the remediator, when remediation is on).
 * Throws SluiceError NOT_FOUND for a run that is not the incident's, CONFLICT for one not awaiting approval.
 */
export interface RemediationApprovals {
  approve(runId: string, actor: string, incidentId: string): Promise<unknown>;
  reject(runId: string, actor: string, reason: string, incidentId: string): Promise<unknown>;
}
