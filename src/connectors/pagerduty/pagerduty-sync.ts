import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { Clock } from "../../core/clock.ts";
import { SluiceError } from "../../core/errors.ts";
import type { InboundEvent, InboundRequest, SyncHandler } from "../../core/inbound.ts";
import type { LifecycleAction } from "../../core/incident.ts";
import { ownValue } from "../../core/own.ts";
import { safeJson } from "../sync-helpers.ts";

export const PAGERDUTY_SIGNATURE_HEADER = "x-pagerduty-signature";

/** How old (by its signed `occurred_at`) an event may be; PagerDuty retries within minutes, a replay comes later. */
export const DEFAULT_PAGERDUTY_MAX_AGE_SECONDS = 3600;
/** Clock skew tolerated for events that claim to come from the future. */
const FUTURE_SKEW_MS = 5 * 60_000;

/** What the inbound side needs from the `pagerduty` block. */
export interface PagerDutySyncSettings {
  webhookSecret: string;
  maxAgeSeconds: number;
  /** Agent ids or names whose changes are Sluice's own (the REST API user, the Events integration). */
  ignoreUsers: readonly string[];
}

const STATUS_EVENTS: Readonly<Record<string, LifecycleAction>> = {
  "incident.acknowledged": "acknowledge",
  "incident.resolved": "resolve",
  "incident.reopened": "reopen",
};

const reference = z.looseObject({ id: z.string().optional(), summary: z.string().optional() });

// Only the fields Sluice reads; PagerDuty adds fields over time, so everything else passes.
const webhookSchema = z.looseObject({
  event: z.looseObject({
    id: z.string().optional(),
    event_type: z.string().min(1),
    resource_type: z.string().optional(),
    occurred_at: z.string().optional(),
    agent: reference.nullish(),
    data: z.looseObject({
      id: z.string().optional(),
      type: z.string().optional(),
      incident_key: z.string().nullish(),
      content: z.string().optional(),
      incident: reference.optional(),
    }),
  }),
});

/** Hex HMAC-SHA256 of the body, as PagerDuty puts it after `v1=`. */
export function pagerdutySignature(secret: string, body: Buffer | string): string {
  return `v1=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join(",") : value);

/**
 * PagerDuty v3 webhook subscriptions (incident.acknowledged / resolved / reopened / annotated).
 * The incident is found by its incident_key, which is the dedup_key Sluice triggered it with
 * (`sluice-<incident>-pagerduty`); notes name only the PagerDuty incident id.
 */
export class PagerDutySync implements SyncHandler {
  readonly platform = "pagerduty";

  constructor(
    private readonly settings: PagerDutySyncSettings,
    private readonly clock: Clock,
  ) {}

  verify(request: InboundRequest): boolean {
    try {
      const signatures = (header(request.headers[PAGERDUTY_SIGNATURE_HEADER]) ?? "")
        .split(",")
        .map((part) => part.trim())
        .filter((part) => part.startsWith("v1="));
      if (signatures.length === 0) return false;
      const expected = Buffer.from(pagerdutySignature(this.settings.webhookSecret, request.rawBody));
      let matched = false;
      // Several signatures while a secret is rotated; every one is compared so timing says nothing about which.
      for (const signature of signatures) {
        const actual = Buffer.from(signature);
        if (actual.length === expected.length && timingSafeEqual(actual, expected)) matched = true;
      }
      return matched && this.fresh(request.rawBody);
    } catch {
      return false;
    }
  }

  parse(request: InboundRequest): InboundEvent[] {
    const { event } = readBody(request.rawBody);
    const action = ownValue(STATUS_EVENTS, event.event_type);
    const annotated = event.event_type === "incident.annotated";
    if (!action && !annotated) return [];
    const user = event.agent?.summary || event.agent?.id || "unknown";
    if (this.ignored(event.agent)) return [];
    const at = event.occurred_at ? Date.parse(event.occurred_at) : Number.NaN;
    const base = { user, ...(Number.isFinite(at) ? { at } : {}) };
    if (action) {
      const ticketRef = ticketRefOf(event.data.incident_key, event.data.id);
      if (!ticketRef) throw invalid("event.data.id", "an incident event needs the incident's id or incident_key");
      // The incident id is what PagerDuty's notes name; remember it next to the dedup_key.
      const platformId = event.data.incident_key && event.data.id ? { platformId: event.data.id } : {};
      return [{ ...base, ticketRef, change: { action }, ...platformId }];
    }
    const content = event.data.content?.trim();
    if (!content) return [];
    const ticketRef = ticketRefOf(event.data.incident_key, event.data.incident?.id);
    if (!ticketRef) throw invalid("event.data.incident.id", "an incident.annotated event needs the incident it belongs to");
    return [{ ...base, ticketRef, change: { comment: content } }];
  }

  private ignored(agent: z.infer<typeof reference> | null | undefined): boolean {
    if (!agent) return false;
    return this.settings.ignoreUsers.some((name) => name === agent.id || name === agent.summary);
  }

  /** The signed occurred_at inside the replay window (a captured request cannot reopen an incident a day later). */
  private fresh(rawBody: Buffer): boolean {
    const parsed = webhookSchema.safeParse(safeJson(rawBody));
    if (!parsed.success) return true; // signed but unreadable: parse() names the problem
    const occurred = parsed.data.event.occurred_at;
    if (!occurred) return true;
    const at = Date.parse(occurred);
    if (!Number.isFinite(at)) return false;
    const now = this.clock.now();
    return now - at <= this.settings.maxAgeSeconds * 1000 && at - now <= FUTURE_SKEW_MS;
  }
}

/** The dedup key Sluice sent when it is one of its idempotency keys, else the key or the PagerDuty id as stored. */
function ticketRefOf(incidentKey: string | null | undefined, incidentId: string | undefined): InboundEvent["ticketRef"] | null {
  if (incidentKey && /^sluice-.+-pagerduty$/.test(incidentKey)) return { idempotencyKey: incidentKey };
  // Sluice stores the dedup_key as the ticket's externalId, so a key PagerDuty answered with still matches.
  if (incidentKey) return { externalId: incidentKey };
  return incidentId ? { externalId: incidentId } : null;
}

function readBody(rawBody: Buffer): z.infer<typeof webhookSchema> {
  const body = safeJson(rawBody);
  if (body === undefined) throw new SluiceError("MALFORMED_BODY", "PagerDuty webhook body is not JSON");
  const parsed = webhookSchema.safeParse(body);
  if (!parsed.success) {
    throw new SluiceError("VALIDATION_FAILED", "invalid PagerDuty webhook", {
      problems: parsed.error.issues.map((issue) => ({ path: issue.path.join(".") || "(body)", message: issue.message })),
    });
  }
  return parsed.data;
}

function invalid(path: string, message: string): SluiceError {
  return new SluiceError("VALIDATION_FAILED", "invalid PagerDuty webhook", { problems: [{ path, message }] });
}
