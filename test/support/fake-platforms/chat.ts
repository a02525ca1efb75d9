// The platforms without server-side idempotency for what Sluice posts:
// - Slack Web API (bot token): chat.postMessage (a root, or a reply with thread_ts) and chat.update, with
//   form-encoded bodies and `{ok:false,error}` answers. Every postMessage is a new message.
// - Teams Workflows webhook: every POST is a new card in the channel (202, no id).
// - Generic webhook: every POST is delivered; a receiver that honours Idempotency-Key keeps one ticket per
//   key (as the crash-recovery test's receiver does), so posts and distinct keys are counted separately.
import { signatureProblem } from "../../../src/connectors/webhook/signature.ts";
import { bodyObject, type FakePlatform, type FakeRequest, type FakeResponse, header, json, str } from "./common.ts";

export interface SlackMessage {
  channel: string;
  ts: string;
  text: string;
  threadTs: string | null;
  edits: number;
}

export class FakeSlack implements FakePlatform {
  readonly name = "slack";
  readonly messages: SlackMessage[] = [];
  private next = 1;

  handle(request: FakeRequest): FakeResponse {
    if (!header(request, "authorization").startsWith("Bearer ")) return json(200, { ok: false, error: "not_authed" });
    const form = new URLSearchParams(request.body);
    const method = request.path.replace(/^\/api\//, "");
    if (method === "auth.test") return json(200, { ok: true, user: "sluice", team: "Fake Workspace", user_id: "U0SLUICE" });
    if (request.method !== "POST") return json(200, { ok: false, error: "method_not_supported_for_channel_type" });
    if (!header(request, "content-type").startsWith("application/x-www-form-urlencoded")) {
      return json(200, { ok: false, error: "invalid_form_data" });
    }
    const channelName = form.get("channel") ?? "";
    const channel = channelName === "#incidents" || channelName === "C0INCIDENT" ? "C0INCIDENT" : "";
    if (!channel) return json(200, { ok: false, error: "channel_not_found" });
    const text = form.get("text") ?? "";
    if (method === "chat.postMessage") {
      if (!text && !form.get("blocks")) return json(200, { ok: false, error: "no_text" });
      const threadTs = form.get("thread_ts");
      if (threadTs && !this.messages.some((m) => m.ts === threadTs && m.threadTs === null)) {
        return json(200, { ok: false, error: "thread_not_found" });
      }
      const ts = `1763950000.${String(this.next++).padStart(6, "0")}`;
      this.messages.push({ channel, ts, text, threadTs: threadTs || null, edits: 0 });
      return json(200, { ok: true, channel, ts, message: { type: "message", text, ts } });
    }
    if (method === "chat.update") {
      const message = this.messages.find((m) => m.channel === channel && m.ts === form.get("ts"));
      if (!message) return json(200, { ok: false, error: "message_not_found" });
      message.text = text;
      message.edits++;
      return json(200, { ok: true, channel, ts: message.ts, text });
    }
    return json(200, { ok: false, error: "unknown_method" });
  }

  roots(): SlackMessage[] {
    return this.messages.filter((m) => m.threadTs === null);
  }

  replies(root: SlackMessage): SlackMessage[] {
    return this.messages.filter((m) => m.threadTs === root.ts);
  }

  describe(): string {
    return `${this.roots().length} root message(s), ${this.messages.length - this.roots().length} thread replies`;
  }
}

export interface TeamsCard {
  headline: string;
  incidentKey: string;
}

export class FakeTeams implements FakePlatform {
  readonly name = "teams";
  readonly cards: TeamsCard[] = [];

  handle(request: FakeRequest): FakeResponse {
    if (request.method !== "POST" || request.path !== "/workflow") return json(404, { error: { code: "NotFound" } });
    if (!request.query.get("sig")) return json(401, { error: { code: "DirectApiAuthorizationRequired", message: "no sig" } });
    const body = bodyObject(request);
    const card = (body?.attachments as { content?: { body?: { text?: unknown }[] } }[] | undefined)?.[0]?.content;
    const heading = str(card?.body?.[0]?.text);
    const match = /^(.*) · (\S+)$/.exec(heading);
    if (body?.type !== "message" || !match) {
      return json(400, { error: { code: "InvalidRequestContent", message: "not a message with an Adaptive Card" } });
    }
    this.cards.push({ headline: match[1] ?? "", incidentKey: match[2] ?? "" });
    return { status: 202, body: "", headers: {} };
  }

  describe(): string {
    return `${this.cards.length} card(s): ${this.cards.map((c) => c.headline).join(", ")}`;
  }
}

export interface WebhookTicket {
  id: string;
  events: string[];
  state: string;
}

export class FakeWebhook implements FakePlatform {
  readonly name = "webhook";
  /** Every POST: its key and event. */
  readonly posts: { key: string; event: string; problem: string | null }[] = [];
  /** One ticket per distinct Idempotency-Key. */
  readonly tickets = new Map<string, WebhookTicket>();

  constructor(private readonly secret: string) {}

  handle(request: FakeRequest): FakeResponse {
    if (request.method !== "POST" || request.path !== "/hook") return json(404, { error: "not found" });
    const problem = signatureProblem(
      this.secret,
      {
        signature: header(request, "x-sluice-signature") || undefined,
        timestamp: header(request, "x-sluice-timestamp") || undefined,
      },
      request.body,
      Math.floor(Date.now() / 1000),
    );
    const key = header(request, "idempotency-key");
    const body = bodyObject(request);
    const event = str(body?.event);
    this.posts.push({ key, event, problem });
    if (problem) return json(401, { error: problem });
    if (!key || !body) return json(400, { error: "Idempotency-Key and a JSON body are required" });
    let ticket = this.tickets.get(key);
    if (!ticket) {
      ticket = { id: `WH-${this.tickets.size + 1}`, events: [], state: "" };
      this.tickets.set(key, ticket);
    }
    ticket.events.push(event);
    ticket.state = str((body.incident as { state?: unknown } | undefined)?.state);
    return json(200, { id: ticket.id });
  }

  describe(): string {
    return `${this.posts.length} post(s) under ${this.tickets.size} key(s)`;
  }
}
