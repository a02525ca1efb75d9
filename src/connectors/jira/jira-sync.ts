import { createHmac } from "node:crypto";
import { z } from "zod";
import type { Clock } from "../../core/clock.ts";
import { SluiceError } from "../../core/errors.ts";
import type { InboundEvent, InboundRequest, SyncHandler } from "../../core/inbound.ts";
import type { LifecycleAction } from "../../core/incident.ts";
import { ownValue } from "../../core/own.ts";
import { firstHeader, safeJson, signatureMatches } from "../sync-helpers.ts";

export const JIRA_SIGNATURE_HEADER = "x-hub-signature";

/** How old (by the signed body's `timestamp`) a webhook may be; Jira retries within minutes, a replay comes later. */
export const DEFAULT_JIRA_MAX_AGE_SECONDS = 3600;
const FUTURE_SKEW_MS = 5 * 60_000;

/** What a status maps to: a lifecycle action, or nothing. */
export type StatusAction = LifecycleAction | "ignore";

/**
 * What a status means when the map does not name it, by Jira's status category: Done resolves, In
 * Progress acknowledges, To Do reopens (a no-op unless the incident is resolved).
 */
export const DEFAULT_CATEGORY_ACTIONS: Readonly<Record<string, StatusAction>> = {
  done: "resolve",
  indeterminate: "acknowledge",
  new: "reopen",
};

export interface JiraSyncSettings {
  webhookSecret: string;
  /** Status name → action; checked before the category defaults. */
  statusMap: Readonly<Record<string, StatusAction>>;
  maxAgeSeconds: number;
  /** Account ids, user names or display names whose changes are Sluice's own (its API user). */
  ignoreUsers: readonly string[];
}

const user = z.looseObject({
  accountId: z.string().optional(),
  name: z.string().optional(),
  key: z.string().optional(),
  displayName: z.string().optional(),
});

const webhookSchema = z.looseObject({
  timestamp: z.number().optional(),
  webhookEvent: z.string().min(1),
  user: user.optional(),
  issue: z
    .looseObject({
      id: z.string().optional(),
      key: z.string().min(1),
      fields: z
        .looseObject({
          labels: z.array(z.string()).optional(),
          resolution: z.looseObject({ name: z.string().optional() }).nullish(),
          status: z
            .looseObject({
              name: z.string().optional(),
              statusCategory: z.looseObject({ key: z.string().optional() }).optional(),
            })
            .optional(),
        })
        .optional(),
    })
    .optional(),
  changelog: z
    .looseObject({
      items: z.array(z.looseObject({ field: z.string().optional(), toString: z.string().nullish() })).default([]),
    })
    .optional(),
  // Cloud sends the body as text (wiki markup); an ADF document is read for its text as well.
  comment: z.looseObject({ body: z.union([z.string(), z.record(z.string(), z.unknown())]), author: user.optional() }).optional(),
});

type JiraWebhook = z.infer<typeof webhookSchema>;

/** `sha256=` + hex HMAC-SHA256 of the body: the X-Hub-Signature Jira sends for a webhook with a secret. */
export function jiraSignature(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/**
 * Jira webhooks: `jira:issue_updated` with a status change becomes an action (by the configured
 * status map, else the status category), `comment_created` a comment. The incident is found by
 * Sluice's label on the issue (it survives a move to another project), else by the issue key.
 */
export class JiraSync implements SyncHandler {
  readonly platform = "jira";

  constructor(
    private readonly settings: JiraSyncSettings,
    private readonly clock: Clock,
  ) {}

  verify(request: InboundRequest): boolean {
    try {
      const expected = jiraSignature(this.settings.webhookSecret, request.rawBody);
      return signatureMatches(expected, firstHeader(request.headers[JIRA_SIGNATURE_HEADER])) && this.fresh(request.rawBody);
    } catch {
      return false;
    }
  }

  parse(request: InboundRequest): InboundEvent[] {
    const body = readBody(request.rawBody);
    if (!body.issue) return [];
    const ticketRef = ticketRefOf(body.issue);
    const at = body.timestamp !== undefined ? { at: body.timestamp } : {};
    if (body.webhookEvent === "comment_created" && body.comment) {
      if (this.ignored(body.comment.author)) return [];
      const text = typeof body.comment.body === "string" ? body.comment.body.trim() : adfText(body.comment.body).trim();
      if (!text) return [];
      return [{ ticketRef, change: { comment: text }, user: nameOf(body.comment.author), ...at }];
    }
    if (body.webhookEvent !== "jira:issue_updated" || this.ignored(body.user)) return [];
    const events: InboundEvent[] = [];
    const assigneeItem = body.changelog?.items.find((item) => item.field === "assignee");
    const assignee = assigneeItem && Object.hasOwn(assigneeItem, "toString") ? assigneeItem.toString : undefined;
    if (typeof assignee === "string" && assignee)
      events.push({ ticketRef, change: { assigned: assignee }, user: nameOf(body.user), ...at });
    const statusItem = body.changelog?.items.find((item) => item.field === "status");
    if (!statusItem) return events;
    // Read as an own property: a missing `toString` would otherwise be Object.prototype's function.
    const to = Object.hasOwn(statusItem, "toString") ? statusItem.toString : undefined;
    const status = typeof to === "string" ? to : body.issue.fields?.status?.name;
    const action = this.actionFor(status ?? "", body);
    if (action === "resolve") {
      // The resolution set with the transition (the changelog), else the issue's: what the SLIs call the outcome.
      const resolutionItem = body.changelog?.items.find((item) => item.field === "resolution");
      const changed = resolutionItem && Object.hasOwn(resolutionItem, "toString") ? resolutionItem.toString : undefined;
      const resolution = typeof changed === "string" && changed ? changed : body.issue.fields?.resolution?.name;
      events.push({ ticketRef, change: { action, ...(resolution ? { resolution } : {}) }, user: nameOf(body.user), ...at });
    } else if (action !== "ignore") events.push({ ticketRef, change: { action }, user: nameOf(body.user), ...at });
    return events;
  }

  private actionFor(status: string, body: JiraWebhook): StatusAction {
    const map = this.settings.statusMap;
    const named = ownValue(map, status) ?? Object.entries(map).find(([name]) => name.toLowerCase() === status.toLowerCase())?.[1];
    if (named) return named;
    // The category belongs to the issue's current status, which is the one the change moved it to.
    const current = body.issue?.fields?.status;
    const category = current?.name === undefined || current.name === status ? current?.statusCategory?.key : undefined;
    return (category && ownValue(DEFAULT_CATEGORY_ACTIONS, category)) || "ignore";
  }

  private ignored(who: z.infer<typeof user> | undefined): boolean {
    if (!who) return false;
    const ids = [who.accountId, who.name, who.key, who.displayName];
    return this.settings.ignoreUsers.some((name) => ids.includes(name));
  }

  private fresh(rawBody: Buffer): boolean {
    const parsed = webhookSchema.safeParse(safeJson(rawBody));
    if (!parsed.success || parsed.data.timestamp === undefined) return true; // parse() names an unreadable body
    const now = this.clock.now();
    const at = parsed.data.timestamp;
    return now - at <= this.settings.maxAgeSeconds * 1000 && at - now <= FUTURE_SKEW_MS;
  }
}

/** Sluice's label on the issue is `sluice-` + its idempotency key (`sluice-<incident>-jira`). */
function ticketRefOf(issue: NonNullable<JiraWebhook["issue"]>): InboundEvent["ticketRef"] {
  for (const label of issue.fields?.labels ?? []) {
    const match = /^sluice-(sluice-[A-Za-z0-9_.:-]+-jira)$/.exec(label);
    if (match?.[1]) return { idempotencyKey: match[1] };
  }
  return { externalId: issue.key };
}

function nameOf(who: z.infer<typeof user> | undefined): string {
  return who?.displayName || who?.name || who?.accountId || "unknown";
}

/** The text of an Atlassian Document Format node, paragraphs on their own lines. */
function adfText(node: unknown): string {
  if (!node || typeof node !== "object") return "";
  const { type, text, content } = node as { type?: unknown; text?: unknown; content?: unknown };
  if (typeof text === "string") return text;
  if (type === "hardBreak") return "\n";
  const inner = Array.isArray(content) ? content.map(adfText).join("") : "";
  return type === "paragraph" || type === "heading" || type === "listItem" ? `${inner}\n` : inner;
}

function readBody(rawBody: Buffer): JiraWebhook {
  const body = safeJson(rawBody);
  if (body === undefined) throw new SluiceError("MALFORMED_BODY", "Jira webhook body is not JSON");
  const parsed = webhookSchema.safeParse(body);
  if (!parsed.success) {
    throw new SluiceError("VALIDATION_FAILED", "invalid Jira webhook", {
      problems: parsed.error.issues.map((issue) => ({ path: issue.path.join(".") || "(body)", message: issue.message })),
    });
  }
  return parsed.data;
}
