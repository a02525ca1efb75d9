import { scrubResult, scrubSecrets, urlSecrets } from "../../core/scrub.ts";
import type { Ticket } from "../../core/ticket.ts";
import type { ConnectionCheck, Connector, ConnectorDeps, DeliveryRequest, DeliveryResult, TicketRef } from "../connector.ts";
import { sendRequest } from "../http-result.ts";
import { investigationMessage } from "./investigation-blocks.ts";
import { resultForSlackError, resultForWebhookError } from "./slack-errors.ts";
import { rootMessage, type SlackMessage, threadReply, webhookMessage } from "./transform.ts";

/** The one mode a valid `slack` block selects. */
export type SlackSettings =
  | { mode: "bot"; botToken: string; channel: string; apiBaseUrl: string }
  | { mode: "webhook"; webhookUrl: string };

type BotSettings = Extract<SlackSettings, { mode: "bot" }>;
type WebhookSettings = Extract<SlackSettings, { mode: "webhook" }>;

/** Where an incident's root message lives; kept in the ticket's meta. */
interface RootMessage {
  channel: string;
  ts: string;
}

type ApiOutcome = { ok: true; data: Record<string, unknown> } | { ok: false; result: DeliveryResult; slackError?: string };

/**
 * Slack in one of two modes. Bot-token mode keeps one message per incident, edits it to show the
 * current state and threads every change under it; its idempotency is the stored message `ts`.
 * Incoming-webhook mode can only post, so every change is a new self-contained message.
 */
export class SlackConnector implements Connector {
  readonly platform = "slack";
  private readonly secrets: string[];

  constructor(
    private readonly settings: SlackSettings,
    private readonly deps: ConnectorDeps,
  ) {
    this.secrets = settings.mode === "bot" ? [settings.botToken] : urlSecrets(settings.webhookUrl);
  }

  async deliver(request: DeliveryRequest): Promise<DeliveryResult> {
    const result =
      this.settings.mode === "bot"
        ? await this.deliverBot(request, this.settings)
        : await this.deliverWebhook(request, this.settings);
    return scrubResult(result, this.secrets);
  }

  async testConnection(): Promise<ConnectionCheck> {
    if (this.settings.mode === "webhook") return checkWebhookUrl(this.settings.webhookUrl);
    const outcome = await this.call(this.settings, "auth.test", null);
    if (!outcome.ok) {
      const reason = outcome.result.kind === "delivered" ? "auth.test failed" : outcome.result.reason;
      return { ok: false, detail: scrubSecrets(reason, this.secrets) };
    }
    const user = typeof outcome.data.user === "string" ? outcome.data.user : "unknown user";
    const team = typeof outcome.data.team === "string" ? outcome.data.team : "unknown workspace";
    return {
      ok: true,
      detail: `token valid: authenticated as ${user} in ${team}; channel ${this.settings.channel} is checked on the first post`,
    };
  }

  private async deliverBot(request: DeliveryRequest, bot: BotSettings): Promise<DeliveryResult> {
    const root = rootOf(request.ticket);
    // The buttons carry the idempotency key, which the interactivity payload brings back (slack-sync.ts).
    const current = rootMessage(request.incident, request.incidentUrl, request.idempotencyKey);

    if (!root) return this.open(bot, request, current);

    // Edit first, reply last: a retry after a failed reply repeats only the idempotent edit.
    const edited = await this.call(bot, "chat.update", form({ channel: root.channel, ts: root.ts, ...current }));
    if (!edited.ok) {
      // Someone deleted the root message: post a fresh one and hand back the moved ticket.
      if (edited.slackError === "message_not_found") return this.open(bot, request, current);
      // Slack refuses edits of some messages; the thread reply still carries the change.
      if (edited.slackError !== "cant_update_message" && edited.slackError !== "edit_window_closed") return edited.result;
    }
    // A repeated create (a retry after a crash) must not post a second root or reply.
    if (request.action === "create") return { kind: "delivered", ticket: ticketRef(root) };
    const reply = await this.post(bot, {
      channel: root.channel,
      thread_ts: root.ts,
      ...(request.action === "comment" && request.investigation
        ? investigationMessage(request.investigation, request.incidentUrl)
        : threadReply(request.action, request.incident, request.detail)),
    });
    return reply.ok ? { kind: "delivered" } : reply.result;
  }

  // Opens the incident's message: on a create, or on a later change whose create never landed
  // (or whose message was deleted); the change itself then goes into the new thread.
  private async open(bot: BotSettings, request: DeliveryRequest, current: SlackMessage): Promise<DeliveryResult> {
    if (request.action === "create" && (request.attempt ?? 1) > 1) {
      const found = await this.findPostedRoot(bot, request);
      if (found) return { kind: "delivered", ticket: ticketRef(found) };
    }
    const posted = await this.post(bot, { channel: postChannel(request, bot), ...current });
    if (!posted.ok) return posted.result;
    if (request.action !== "create") {
      // A failed reply is not retried: a retry without the ticket would post a second root message,
      // and one message per incident matters more than this one note (the root already shows the state).
      await this.post(bot, {
        channel: posted.root.channel,
        thread_ts: posted.root.ts,
        ...(request.action === "comment" && request.investigation
          ? investigationMessage(request.investigation, request.incidentUrl)
          : threadReply(request.action, request.incident, request.detail)),
      });
    }
    return { kind: "delivered", ticket: ticketRef(posted.root) };
  }

  /**
   * chat.postMessage has no idempotency key: a create retried after a crash (posted, never recorded)
   * finds its own root by the idempotency key its buttons carry, instead of posting a second one.
   * Needs the channel's id in config and the channels:history scope; without them it posts as before.
   */
  private async findPostedRoot(bot: BotSettings, request: DeliveryRequest): Promise<RootMessage | null> {
    const oldest = Math.floor(request.incident.createdAt / 1000) - 60;
    const channel = postChannel(request, bot);
    const query = new URLSearchParams({ channel, oldest: String(oldest), limit: "200" });
    const outcome = await this.call(bot, `conversations.history?${query}`, null);
    if (!outcome.ok || !Array.isArray(outcome.data.messages)) return null;
    for (const message of outcome.data.messages as Record<string, unknown>[]) {
      if (
        typeof message.ts === "string" &&
        JSON.stringify(message.blocks ?? []).includes(JSON.stringify(request.idempotencyKey))
      ) {
        return { channel, ts: message.ts };
      }
    }
    return null;
  }

  private async post(
    bot: BotSettings,
    message: SlackMessage & { channel: string; thread_ts?: string },
  ): Promise<{ ok: true; root: RootMessage } | { ok: false; result: DeliveryResult }> {
    const outcome = await this.call(bot, "chat.postMessage", form(message));
    if (!outcome.ok) return outcome;
    const { channel, ts } = outcome.data;
    if (typeof channel !== "string" || typeof ts !== "string" || !channel || !ts) {
      return {
        ok: false,
        result: { kind: "permanent", category: "rejected", reason: "Slack chat.postMessage answered ok without channel and ts" },
      };
    }
    return { ok: true, root: { channel, ts } };
  }

  /** One Web API call; Slack's `{ok:false}` (sent with HTTP 200) becomes a failed outcome. */
  private async call(bot: BotSettings, method: string, body: URLSearchParams | null): Promise<ApiOutcome> {
    const headers: Record<string, string> = { authorization: `Bearer ${bot.botToken}` };
    // Form encoding, not JSON: it is what Slack's published API description accepts for every method.
    if (body) headers["content-type"] = "application/x-www-form-urlencoded; charset=utf-8";
    const init: RequestInit = body ? { method: "POST", headers, body: body.toString() } : { method: "GET", headers };
    const outcome = await sendRequest(this.deps.http, `${bot.apiBaseUrl}/${method}`, init, this.deps.timeoutMs);
    if (!outcome.ok) return outcome;
    let data: unknown;
    try {
      data = JSON.parse(outcome.body);
    } catch {
      return {
        ok: false,
        result: {
          kind: "permanent",
          category: "rejected",
          reason: `Slack ${method} answered HTTP ${outcome.status} with a body that is not JSON`,
        },
      };
    }
    if (!data || typeof data !== "object") {
      return {
        ok: false,
        result: { kind: "permanent", category: "rejected", reason: `Slack ${method} answered with an unexpected body` },
      };
    }
    const record = data as Record<string, unknown>;
    if (record.ok === true) return { ok: true, data: record };
    const slackError = typeof record.error === "string" ? record.error : "unknown_error";
    return { ok: false, result: resultForSlackError(method, slackError), slackError };
  }

  private async deliverWebhook(request: DeliveryRequest, hook: WebhookSettings): Promise<DeliveryResult> {
    const message =
      request.action === "comment" && request.investigation
        ? investigationMessage(request.investigation, request.incidentUrl)
        : webhookMessage(request.action, request.incident, request.detail, request.incidentUrl);
    const outcome = await sendRequest(
      this.deps.http,
      hook.webhookUrl,
      { method: "POST", headers: { "content-type": "application/json; charset=utf-8" }, body: JSON.stringify(message) },
      this.deps.timeoutMs,
    );
    if (!outcome.ok) {
      // The refusal's body carries Slack's error code (invalid_payload, no_service, …).
      const { refusal } = outcome;
      return refusal ? resultForWebhookError(refusal.status, refusal.body, outcome.result) : outcome.result;
    }
    if (request.action !== "create") return { kind: "delivered" };
    // A webhook post returns no id; the idempotency key is the stable reference the store keeps.
    return { kind: "delivered", ticket: { externalId: request.idempotencyKey, url: null, meta: { mode: "incoming-webhook" } } };
  }
}

function ticketRef(root: RootMessage): TicketRef {
  return { externalId: `${root.channel}:${root.ts}`, url: null, meta: { channel: root.channel, ts: root.ts } };
}

/**
 * Where a new root message goes: the owner's channel from the service catalog, else the configured
 * one. Later edits and replies follow the stored root message, wherever it was posted.
 */
export function postChannel(request: Pick<DeliveryRequest, "incident">, bot: Pick<BotSettings, "channel">): string {
  return request.incident.context?.destinations?.slack?.channel ?? bot.channel;
}

/** The root message of a stored ticket: from its meta, else from an externalId of the form `<channel>:<ts>`. */
function rootOf(ticket: Ticket | null): RootMessage | null {
  if (!ticket) return null;
  const { channel, ts } = ticket.meta;
  if (typeof channel === "string" && typeof ts === "string" && channel && ts) return { channel, ts };
  const colon = ticket.externalId.indexOf(":");
  if (colon > 0 && colon < ticket.externalId.length - 1) {
    return { channel: ticket.externalId.slice(0, colon), ts: ticket.externalId.slice(colon + 1) };
  }
  return null;
}

function form(message: SlackMessage & { channel: string; ts?: string; thread_ts?: string }): URLSearchParams {
  const params = new URLSearchParams({ channel: message.channel, text: message.text });
  if (message.ts) params.set("ts", message.ts);
  if (message.thread_ts) params.set("thread_ts", message.thread_ts);
  if (message.blocks) params.set("blocks", JSON.stringify(message.blocks));
  // Links to dashboards and runbooks would otherwise unfurl into large previews in the incident channel.
  if (!message.ts) {
    params.set("unfurl_links", "false");
    params.set("unfurl_media", "false");
  }
  return params;
}

// Posting is the only way to test an incoming webhook, and a test message would land in the channel.
function checkWebhookUrl(webhookUrl: string): ConnectionCheck {
  let url: URL;
  try {
    url = new URL(webhookUrl);
  } catch {
    return {
      ok: false,
      detail: "incoming-webhook URL is not a valid URL (not contacted: webhooks cannot be checked without posting)",
    };
  }
  if (url.protocol !== "https:" || !url.hostname) {
    return {
      ok: false,
      detail: "incoming-webhook URL must be https (not contacted: webhooks cannot be checked without posting)",
    };
  }
  return {
    ok: true,
    detail: `incoming-webhook URL is a well-formed https URL on ${url.hostname}; not contacted, because incoming webhooks cannot be checked without posting a message`,
  };
}
