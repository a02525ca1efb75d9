import { createHmac } from "node:crypto";
import { z } from "zod";
import type { Clock } from "../../core/clock.ts";
import { SluiceError } from "../../core/errors.ts";
import type { InboundEvent, InboundRequest, SyncHandler } from "../../core/inbound.ts";
import { firstHeader, safeJson, signatureMatches } from "../sync-helpers.ts";

export const ZAMMAD_SIGNATURE_HEADER = "x-hub-signature";

/** How old (by the signed ticket's updated_at) a webhook may be; Zammad retries four times soon after. */
export const DEFAULT_ZAMMAD_MAX_AGE_SECONDS = 3600;
const FUTURE_SKEW_MS = 5 * 60_000;

export const DEFAULT_CLOSED_STATES: readonly string[] = ["closed"];
export const DEFAULT_OPEN_STATES: readonly string[] = ["new", "open"];

export interface ZammadSyncSettings {
  webhookSecret: string;
  maxAgeSeconds: number;
  /** State names that resolve the incident. */
  closedStates: readonly string[];
  /** State names that reopen it, once the ticket has been closed before. */
  openStates: readonly string[];
  /** Logins or e-mails whose articles are Sluice's own (the token's user). */
  ignoreUsers: readonly string[];
}

// Zammad sends users as objects (default payload) or as logins (some custom payloads).
const user = z.union([
  z.string(),
  z.looseObject({
    login: z.string().nullish(),
    email: z.string().nullish(),
    firstname: z.string().nullish(),
    lastname: z.string().nullish(),
  }),
]);

const webhookSchema = z.looseObject({
  ticket: z.looseObject({
    id: z.union([z.number().int(), z.string().min(1)]),
    number: z.union([z.string(), z.number()]).optional(),
    state: z.union([z.string(), z.looseObject({ name: z.string() })]).optional(),
    updated_at: z.string().optional(),
    close_at: z.string().nullish(),
    last_close_at: z.string().nullish(),
    updated_by: user.nullish(),
    // Not in the default payload; a custom payload (or a newer Zammad) may carry them.
    tags: z.union([z.array(z.string()), z.string()]).nullish(),
  }),
  article: z
    .looseObject({
      body: z.string().nullish(),
      content_type: z.string().nullish(),
      created_at: z.string().optional(),
      created_by: user.nullish(),
      from: z.string().nullish(),
    })
    .nullish(),
});

type ZammadWebhook = z.infer<typeof webhookSchema>;

/** `sha1=` + hex HMAC-SHA1 of the body: Zammad's X-Hub-Signature for a webhook with a signature token. */
export function zammadSignature(secret: string, body: Buffer | string): string {
  return `sha1=${createHmac("sha1", secret).update(body).digest("hex")}`;
}

/**
 * Zammad webhooks (sent by a trigger): a closed ticket resolves the incident, a ticket open again
 * after a close reopens it, a new article becomes a comment. The incident is found by Sluice's tag
 * (`sluice-<incident>-zammad`) when the payload carries tags, else by the ticket id Sluice stored.
 */
export class ZammadSync implements SyncHandler {
  readonly platform = "zammad";

  constructor(
    private readonly settings: ZammadSyncSettings,
    private readonly clock: Clock,
  ) {}

  verify(request: InboundRequest): boolean {
    try {
      const expected = zammadSignature(this.settings.webhookSecret, request.rawBody);
      return signatureMatches(expected, firstHeader(request.headers[ZAMMAD_SIGNATURE_HEADER])) && this.fresh(request.rawBody);
    } catch {
      return false;
    }
  }

  parse(request: InboundRequest): InboundEvent[] {
    const { ticket, article } = readBody(request.rawBody);
    const ticketRef = ticketRefOf(ticket);
    const state = (typeof ticket.state === "string" ? ticket.state : ticket.state?.name)?.toLowerCase();
    const updatedAt = time(ticket.updated_at);
    const events: InboundEvent[] = [];
    const stateEvent = (action: "resolve" | "reopen") => {
      if (ticket.updated_by && this.ignored(ticket.updated_by)) return;
      events.push({ ticketRef, change: { action }, user: nameOf(ticket.updated_by), ...updatedAt });
    };
    const wasClosed = Boolean(ticket.last_close_at || ticket.close_at);
    if (state && wasClosed && this.has(this.settings.openStates, state)) stateEvent("reopen");
    const text = article?.body ? plainText(article.body, article.content_type ?? "text/plain") : "";
    if (article && text && !this.ignored(article.created_by ?? "")) {
      const author = article.created_by ? nameOf(article.created_by) : article.from || "unknown";
      events.push({ ticketRef, change: { comment: text }, user: author, ...time(article.created_at) });
    }
    if (state && this.has(this.settings.closedStates, state)) stateEvent("resolve");
    return events;
  }

  private has(states: readonly string[], state: string): boolean {
    return states.some((name) => name.toLowerCase() === state);
  }

  private ignored(who: z.infer<typeof user>): boolean {
    const ids = typeof who === "string" ? [who] : [who.login, who.email];
    return this.settings.ignoreUsers.some((name) => ids.includes(name));
  }

  private fresh(rawBody: Buffer): boolean {
    const parsed = webhookSchema.safeParse(safeJson(rawBody));
    if (!parsed.success) return true; // parse() names an unreadable body
    const stamps = [parsed.data.ticket.updated_at, parsed.data.article?.created_at].map((value) => time(value).at);
    const at = Math.max(...stamps.filter((value): value is number => value !== undefined));
    if (!Number.isFinite(at)) return true;
    const now = this.clock.now();
    return now - at <= this.settings.maxAgeSeconds * 1000 && at - now <= FUTURE_SKEW_MS;
  }
}

function ticketRefOf(ticket: ZammadWebhook["ticket"]): InboundEvent["ticketRef"] {
  const tags = typeof ticket.tags === "string" ? ticket.tags.split(",") : (ticket.tags ?? []);
  const tag = tags.map((value) => value.trim()).find((value) => /^sluice-.+-zammad$/.test(value));
  return tag ? { idempotencyKey: tag } : { externalId: String(ticket.id) };
}

function nameOf(who: z.infer<typeof user> | null | undefined): string {
  if (!who) return "unknown";
  if (typeof who === "string") return who;
  return [who.firstname, who.lastname].filter(Boolean).join(" ") || who.login || who.email || "unknown";
}

function time(value: string | undefined): { at?: number } {
  const at = value ? Date.parse(value) : Number.NaN;
  return Number.isFinite(at) ? { at } : {};
}

const ENTITIES: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'", nbsp: " " };

/** An article body as plain text: Zammad stores agent articles as HTML. */
function plainText(body: string, contentType: string): string {
  if (!contentType.includes("html")) return body.trim();
  return body
    .replace(/<(br|\/p|\/div|\/li|\/h[1-6])\b[^>]*>/gi, "\n")
    .replace(/<[^>]*>/g, "")
    .replace(/&(amp|lt|gt|quot|#39|nbsp);/g, (_, name: string) => ENTITIES[name] ?? "")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

function readBody(rawBody: Buffer): ZammadWebhook {
  const body = safeJson(rawBody);
  if (body === undefined) throw new SluiceError("MALFORMED_BODY", "Zammad webhook body is not JSON");
  const parsed = webhookSchema.safeParse(body);
  if (!parsed.success) {
    throw new SluiceError("VALIDATION_FAILED", "invalid Zammad webhook", {
      problems: parsed.error.issues.map((issue) => ({ path: issue.path.join(".") || "(body)", message: issue.message })),
    });
  }
  return parsed.data;
}
