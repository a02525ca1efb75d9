import { createHash, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { SluiceError } from "../../core/errors.ts";
import type { InboundEvent, InboundRequest, SyncHandler } from "../../core/inbound.ts";
import { ownValue } from "../../core/own.ts";
import { firstHeader } from "../sync-helpers.ts";

/** Header the ServiceNow outbound REST message is configured to send the shared token in. */
export const TOKEN_HEADER = "x-sluice-token";

/**
 * What the business rule's outbound REST message posts (docs/connectors.md shows the script).
 * `state` may be left out (or `state_changed: false` sent) when only a work note was added.
 */
export type ServiceNowRecord = z.infer<typeof messageSchema>;

const messageSchema = z.object({
  sys_id: z.string().min(1),
  number: z.string().optional(),
  state: z.union([z.string(), z.number()]).optional(),
  state_changed: z.boolean().optional(),
  correlation_id: z.string().optional(),
  work_notes: z.string().optional(),
  /** Set with a resolve (state 6/7): what the SLIs call the outcome, through sli.outcomes.servicenow or the defaults. */
  close_code: z.string().optional(),
  sys_updated_by: z.string().min(1).default("unknown"),
});

// Base-system incident states: 1 New, 2 In Progress, 3 On Hold, 6 Resolved, 7 Closed, 8 Canceled.
const STATE_ACTIONS: Record<string, "acknowledge" | "resolve" | "reopen"> = {
  "1": "reopen",
  "2": "acknowledge",
  "6": "resolve",
  "7": "resolve",
};

// getJournalEntry(1) prefixes the note with "<date time> - <user> (Work notes)"; the note is what follows.
const JOURNAL_HEADER = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} - .*\((Work notes|Additional comments)\)\r?\n/;

/** Constant-time token comparison; hashing both sides keeps the secret's length out of the timing too. */
export function tokenMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined || presented === "") return false;
  const a = createHash("sha256").update(presented, "utf8").digest();
  const b = createHash("sha256").update(expected, "utf8").digest();
  return timingSafeEqual(a, b);
}

/**
 * Inbound side of ServiceNow: an outbound REST message sent by an after-update business rule on
 * incident. It is proven by a shared token header. Updates made by Sluice's own integration user
 * come back through the same rule and are dropped here, so Sluice's reopen (state 2) is not read
 * back as an acknowledge and its work notes are not re-posted as comments.
 */
export class ServiceNowSync implements SyncHandler {
  readonly platform = "servicenow";

  constructor(
    private readonly token: string,
    private readonly integrationUser: string | null,
  ) {}

  verify(request: InboundRequest): boolean {
    try {
      return tokenMatches(firstHeader(request.headers[TOKEN_HEADER]), this.token);
    } catch {
      return false;
    }
  }

  parse(request: InboundRequest): InboundEvent[] {
    let body: unknown;
    try {
      body = JSON.parse(request.rawBody.toString("utf8"));
    } catch {
      throw new SluiceError("MALFORMED_BODY", "servicenow message body is not JSON");
    }
    const parsed = messageSchema.safeParse(body);
    if (!parsed.success) {
      throw new SluiceError("VALIDATION_FAILED", "invalid servicenow message", {
        problems: parsed.error.issues.map((issue) => ({ path: issue.path.join(".") || "(body)", message: issue.message })),
      });
    }
    return eventsFromRecord(parsed.data, this.integrationUser);
  }
}

/** The changes one incident record reports (from an outbound REST message or a poll), skipping Sluice's own. */
export function eventsFromRecord(message: ServiceNowRecord, integrationUser: string | null): InboundEvent[] {
  if (integrationUser && message.sys_updated_by === integrationUser) return [];
  // correlation_id is Sluice's idempotency key; a record without it is found by the sys_id Sluice stored.
  const ticketRef: InboundEvent["ticketRef"] = message.correlation_id?.startsWith("sluice-")
    ? { idempotencyKey: message.correlation_id }
    : { externalId: message.sys_id };
  const user = message.sys_updated_by;
  const events: InboundEvent[] = [];
  // The note first: "resolved, root cause was X" should precede the resolve in the timeline.
  const note = message.work_notes?.replace(JOURNAL_HEADER, "").trim();
  if (note) events.push({ ticketRef, change: { comment: note }, user });
  const action =
    message.state === undefined || message.state_changed === false ? undefined : ownValue(STATE_ACTIONS, String(message.state));
  // State 1 is a reopen only of a resolved incident; on an open one InboundSync sees "already open".
  const closeCode = action === "resolve" ? message.close_code?.trim() : undefined;
  if (action) events.push({ ticketRef, change: { action, ...(closeCode ? { resolution: closeCode } : {}) }, user });
  return events;
}
