import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { Clock } from "../../core/clock.ts";
import { SluiceError } from "../../core/errors.ts";
import type { InboundAnswer, InboundEvent, InboundRequest, SyncHandler } from "../../core/inbound.ts";
import type { HttpClient } from "../connector.ts";
import { firstHeader } from "../sync-helpers.ts";
import {
  ACTION_ID_PREFIX,
  BUTTON_ACTIONS,
  type ButtonAction,
  escapeMrkdwn,
  REMEDIATION_ACTION_ID_PREFIX,
  REMEDIATION_DECISIONS,
  type RemediationDecision,
} from "./transform.ts";

export const SIGNATURE_HEADER = "x-slack-signature";
export const TIMESTAMP_HEADER = "x-slack-request-timestamp";

/** Slack's replay window: requests signed more than five minutes from now are refused. */
export const TOLERANCE_SECONDS = 300;

const MAX_REMEMBERED = 10_000;

/** `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>` with the app's signing secret. */
export function slackSignature(signingSecret: string, timestampSeconds: number | string, body: string | Buffer): string {
  const mac = createHmac("sha256", signingSecret);
  mac.update(`v0:${timestampSeconds}:`, "utf8");
  mac.update(body);
  return `v0=${mac.digest("hex")}`;
}

/** The parts of a block_actions interaction Sluice reads (the rest, e.g. the legacy `token`, is ignored). */
const interactionSchema = z.object({
  type: z.string(),
  user: z.object({ id: z.string(), username: z.string().optional(), name: z.string().optional() }),
  channel: z.object({ id: z.string() }).optional(),
  container: z.object({ channel_id: z.string().optional(), message_ts: z.string().optional() }).optional(),
  message: z.object({ ts: z.string(), thread_ts: z.string().optional(), text: z.string().optional() }).optional(),
  response_url: z.string().optional(),
  actions: z
    .array(z.object({ action_id: z.string(), value: z.string().optional(), action_ts: z.string().optional() }))
    .default([]),
});

type Interaction = z.infer<typeof interactionSchema>;

// Sluice's idempotency keys: sluice-<incident id>-<platform>.
const IDEMPOTENCY_KEY = /^sluice-[A-Za-z0-9]+-slack$/;

/**
 * Inbound side of Slack: the Acknowledge / Resolve / Escalate buttons on the incident's root
 * message (Slack interactivity, `block_actions`). Requests are signed with the app's signing
 * secret and refused outside Slack's five-minute replay window.
 */
export class SlackSync implements SyncHandler {
  readonly platform = "slack";
  /** Signatures seen inside the replay window: a captured click replayed within it is refused too. */
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly signingSecret: string,
    private readonly clock: Clock,
    /** Posts the answers to remediation buttons to the interaction's response_url; without it they go unanswered. */
    private readonly http?: HttpClient,
    /** `slack.approvers`: the user ids whose Approve / Reject count; unset, anyone who can click in the channel. */
    private readonly approvers?: readonly string[],
  ) {}

  /** Whether this Slack user's remediation decisions count. */
  private mayDecide(interaction: Interaction): boolean {
    return this.approvers === undefined || this.approvers.includes(interaction.user.id);
  }

  verify(request: InboundRequest): boolean {
    try {
      const signature = firstHeader(request.headers[SIGNATURE_HEADER]);
      const timestamp = firstHeader(request.headers[TIMESTAMP_HEADER]);
      if (!signature || !timestamp || !/^\d{1,12}$/.test(timestamp)) return false;
      const nowSeconds = Math.floor(this.clock.now() / 1000);
      if (Math.abs(nowSeconds - Number(timestamp)) > TOLERANCE_SECONDS) return false;
      const expected = Buffer.from(slackSignature(this.signingSecret, timestamp, request.rawBody));
      const actual = Buffer.from(signature);
      // Constant-time, so the MAC cannot be found byte by byte from response timing.
      if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return false;
      return this.firstSighting(signature, nowSeconds);
    } catch {
      return false;
    }
  }

  // Per process only (replicas do not share it); beyond it, a repeated click is an echo or is ignored
  // by the lifecycle, except Escalate, which a replay inside the window on another replica repeats.
  private firstSighting(signature: string, nowSeconds: number): boolean {
    for (const [seen, at] of this.seen) if (nowSeconds - at > TOLERANCE_SECONDS) this.seen.delete(seen);
    if (this.seen.has(signature)) return false;
    if (this.seen.size >= MAX_REMEMBERED) this.seen.delete(this.seen.keys().next().value ?? "");
    this.seen.set(signature, nowSeconds);
    return true;
  }

  /**
   * Answers a remediation button through the interaction's response_url (Slack ignores the HTTP response
   * body of block_actions): a decided run's message loses its buttons and says who decided; a click that
   * changed nothing (not awaiting approval, another incident's run, remediation off) is told why, to the
   * clicking person only. Lifecycle buttons need no answer: the re-rendered root message is one.
   */
  async answer(request: InboundRequest, results: readonly InboundAnswer[]): Promise<void> {
    const http = this.http;
    if (!http) return;
    try {
      const interaction = this.interaction(request);
      const url = interaction?.response_url;
      // Signed by Slack, but only Slack's own hooks host is ever called with it.
      if (!interaction || !url || !/^https:\/\/hooks\.slack\.com\//.test(url)) return;
      const post = (body: unknown) =>
        http(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
          // Awaited before the 200, which Slack wants within 3 s: a slow hooks host costs the answer, not the click.
          signal: AbortSignal.timeout(1_500),
        });
      if (!this.mayDecide(interaction) && interaction.actions.some((a) => remediationDecisionOf(a) !== null)) {
        await post({
          response_type: "ephemeral",
          replace_original: false,
          text: "Nothing was decided: you are not one of this Sluice's Slack approvers (slack.approvers). Ask an approver, or a responder can decide through the API.",
        });
      }
      const remediation = results.filter((r) => "remediation" in r.event.change);
      for (const { event, result, why } of remediation) {
        const change = event.change as { remediation: "approve" | "reject" };
        const who = escapeMrkdwn(event.user);
        const body =
          result === "applied"
            ? {
                replace_original: true,
                text: `${interaction.message?.text ?? ""}\n${
                  change.remediation === "approve"
                    ? `:white_check_mark: *Approved* by ${who}: the playbook runs now.`
                    : `:no_entry_sign: *Rejected* by ${who}: nothing runs.`
                }`.trim(),
              }
            : {
                response_type: "ephemeral",
                replace_original: false,
                text: `Nothing was ${change.remediation === "approve" ? "approved" : "rejected"}: ${escapeMrkdwn(
                  result === "unknown-ticket" ? "this message's incident is not known to Sluice" : (why ?? result),
                )}`,
              };
        await post(body);
      }
    } catch {
      // Best effort: the decision stands and is in the incident's thread (the remediator's note) either way.
    }
  }

  private interaction(request: InboundRequest): Interaction | null {
    const raw = new URLSearchParams(request.rawBody.toString("utf8")).get("payload");
    if (raw === null) return null;
    try {
      const parsed = interactionSchema.safeParse(JSON.parse(raw));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  parse(request: InboundRequest): InboundEvent[] {
    // Slack posts application/x-www-form-urlencoded with the interaction as JSON in `payload`.
    const raw = new URLSearchParams(request.rawBody.toString("utf8")).get("payload");
    if (raw === null) throw new SluiceError("VALIDATION_FAILED", "slack interaction has no payload field");
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      throw new SluiceError("MALFORMED_BODY", "slack interaction payload is not JSON");
    }
    const parsed = interactionSchema.safeParse(body);
    if (!parsed.success) {
      throw new SluiceError("VALIDATION_FAILED", "invalid slack interaction", {
        problems: parsed.error.issues.map((issue) => ({ path: issue.path.join(".") || "(body)", message: issue.message })),
      });
    }
    const interaction = parsed.data;
    // Shortcuts, modals and other apps' components are not Sluice's business.
    if (interaction.type !== "block_actions") return [];
    const user = interaction.user.username || interaction.user.name || interaction.user.id;
    const events: InboundEvent[] = [];
    for (const action of interaction.actions) {
      if (remediationDecisionOf(action) !== null) {
        // Someone outside slack.approvers decides nothing (answer() tells them why).
        const remediation = this.mayDecide(interaction) ? remediationEvent(interaction, action, user) : null;
        if (remediation) events.push(remediation);
        continue;
      }
      const lifecycle = buttonAction(action.action_id);
      if (!lifecycle) continue;
      const ticketRef = ticketOf(interaction, action.value);
      if (!ticketRef) continue;
      const at = action.action_ts ? Math.round(Number(action.action_ts) * 1000) : Number.NaN;
      // A click changes nothing on the message itself: unlike other origins, Slack's own root message
      // must still be re-rendered (chat.update). InboundSync reads this once core/inbound.ts has the
      // field (see docs/connectors.md, "Inbound sync"); until then the origin rule skips Slack.
      const event: InboundEvent & { updateOrigin: true } = {
        ticketRef,
        change: { action: lifecycle },
        user,
        updateOrigin: true,
        ...(Number.isFinite(at) ? { at } : {}),
      };
      events.push(event);
    }
    return events;
  }
}

/**
 * Approve / Reject on the thread reply of a run awaiting approval: the value names the decision and the run,
 * the thread's root message the incident (the remediator refuses a run of another incident).
 */
function remediationEvent(interaction: Interaction, action: Interaction["actions"][number], user: string): InboundEvent | null {
  const decision = remediationDecisionOf(action);
  if (decision === null) return null;
  const match = /^remediation:(approve|reject):([0-9A-Za-z]{1,64})$/.exec(action.value ?? "");
  if (!match || match[1] !== decision || !match[2]) return null;
  const channel = interaction.channel?.id ?? interaction.container?.channel_id;
  const root = interaction.message?.thread_ts ?? interaction.message?.ts ?? interaction.container?.message_ts;
  if (!channel || !root) return null;
  const at = action.action_ts ? Math.round(Number(action.action_ts) * 1000) : Number.NaN;
  return {
    ticketRef: { externalId: `${channel}:${root}` },
    change: {
      remediation: decision,
      runId: match[2],
      ...(decision === "reject" ? { reason: "with the Slack button" } : {}),
    },
    user,
    ...(Number.isFinite(at) ? { at } : {}),
  };
}

/** The decision a remediation button names by its action id, or null for any other button. */
function remediationDecisionOf(action: Interaction["actions"][number]): RemediationDecision | null {
  if (!action.action_id.startsWith(REMEDIATION_ACTION_ID_PREFIX)) return null;
  const decision = action.action_id.slice(REMEDIATION_ACTION_ID_PREFIX.length);
  return (REMEDIATION_DECISIONS as readonly string[]).includes(decision) ? (decision as RemediationDecision) : null;
}

function buttonAction(actionId: string): ButtonAction | null {
  if (!actionId.startsWith(ACTION_ID_PREFIX)) return null;
  const action = actionId.slice(ACTION_ID_PREFIX.length);
  return (BUTTON_ACTIONS as readonly string[]).includes(action) ? (action as ButtonAction) : null;
}

/**
 * The button's value is the incident's idempotency key (set by the transform, signed over by
 * Slack); messages without it are found by the ticket Sluice stored for them, `<channel>:<ts>`.
 */
function ticketOf(interaction: Interaction, value: string | undefined): InboundEvent["ticketRef"] | null {
  if (value && IDEMPOTENCY_KEY.test(value)) return { idempotencyKey: value };
  const channel = interaction.channel?.id ?? interaction.container?.channel_id;
  const ts = interaction.message?.ts ?? interaction.container?.message_ts;
  return channel && ts ? { externalId: `${channel}:${ts}` } : null;
}
