import { createHash, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { SluiceError } from "../../core/errors.ts";
import type { InboundEvent, InboundRequest, SyncHandler } from "../../core/inbound.ts";
import { ownValue } from "../../core/own.ts";
import { firstHeader } from "../sync-helpers.ts";
import { ALERT_SOURCE } from "./transform.ts";

/** Header the Opsgenie / JSM Ops webhook integration is configured to send the shared token in. */
export const TOKEN_HEADER = "x-sluice-token";

/**
 * The outgoing-webhook body of Opsgenie's Webhook integration (JSM Ops sends the same shape).
 * Only the fields Sluice reads are checked; the rest of the alert is passed over.
 */
const webhookSchema = z.object({
  action: z.string().min(1),
  alert: z.object({
    alertId: z.string().optional(),
    alias: z.string().optional(),
    username: z.string().optional(),
    userId: z.string().optional(),
    note: z.string().optional(),
  }),
  source: z.object({ name: z.string().optional(), type: z.string().optional() }).optional(),
});

type Webhook = z.infer<typeof webhookSchema>;

// Opsgenie's action names; the others (UnAcknowledge, TakeOwnership, AddTeam, ...) have no Sluice meaning.
const ACTIONS: Record<string, "acknowledge" | "resolve"> = { Acknowledge: "acknowledge", Close: "resolve" };

// The notes Sluice itself adds (noteText: "<Headline> in Sluice (INC-n)...") come back as AddNote.
const OWN_NOTE = /^(Opened|Updated|Acknowledged|Resolved|Escalated|Reopened|Note) in Sluice( to level \d+)? \(/;

/**
 * Constant-time equality of a presented token with the configured one. Both sides are hashed
 * first so neither the content nor the length of the secret leaks through timing.
 */
export function tokenMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined || presented === "") return false;
  const a = createHash("sha256").update(presented, "utf8").digest();
  const b = createHash("sha256").update(expected, "utf8").digest();
  return timingSafeEqual(a, b);
}

/** The password of an `Authorization: Basic` header, or undefined. */
export function basicPassword(authorization: string | undefined): string | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? "");
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon === -1 ? undefined : decoded.slice(colon + 1);
}

/**
 * Inbound side of Opsgenie and JSM Ops: their outgoing webhooks (Acknowledge, Close, AddNote),
 * keyed by the alert alias, which is Sluice's idempotency key. Neither platform signs webhooks,
 * so the sender proves itself with a shared token, as a header or as the basic-auth password.
 */
export class OpsgenieSync implements SyncHandler {
  constructor(
    readonly platform: "opsgenie" | "jsm",
    private readonly token: string,
  ) {}

  verify(request: InboundRequest): boolean {
    try {
      const fromHeader = firstHeader(request.headers[TOKEN_HEADER]);
      if (fromHeader !== undefined) return tokenMatches(fromHeader, this.token);
      return tokenMatches(basicPassword(firstHeader(request.headers.authorization)), this.token);
    } catch {
      return false;
    }
  }

  parse(request: InboundRequest): InboundEvent[] {
    let body: unknown;
    try {
      body = JSON.parse(request.rawBody.toString("utf8"));
    } catch {
      throw new SluiceError("MALFORMED_BODY", `${this.platform} webhook body is not JSON`);
    }
    const parsed = webhookSchema.safeParse(body);
    if (!parsed.success) {
      throw new SluiceError("VALIDATION_FAILED", `invalid ${this.platform} webhook`, {
        problems: parsed.error.issues.map((issue) => ({ path: issue.path.join(".") || "(body)", message: issue.message })),
      });
    }
    const event = parsed.data;
    // Changes Sluice made through the API come back with the source it sent; they are not news.
    if (event.source?.name === ALERT_SOURCE) return [];
    const ticketRef = ticketOf(event);
    if (!ticketRef) return [];
    // updatedAt is left out: Opsgenie sends it in nanoseconds in some payloads and milliseconds in others.
    const user = event.alert.username || event.alert.userId || "unknown";
    const action = ownValue(ACTIONS, event.action);
    if (action) return [{ ticketRef, change: { action }, user }];
    if (event.action === "AddNote") {
      const note = event.alert.note?.trim();
      if (!note || OWN_NOTE.test(note)) return [];
      return [{ ticketRef, change: { comment: note }, user }];
    }
    return [];
  }
}

// Sluice's alias is its idempotency key; an alert without one is found by the id Sluice stored.
function ticketOf(event: Webhook): InboundEvent["ticketRef"] | null {
  const { alias, alertId } = event.alert;
  if (alias?.startsWith("sluice-")) return { idempotencyKey: alias };
  if (alertId) return { externalId: alertId };
  return null;
}
