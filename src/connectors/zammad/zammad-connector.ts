import { headerSecrets, scrubResult, scrubSecrets } from "../../core/scrub.ts";
import {
  type ConnectionCheck,
  type Connector,
  type ConnectorDeps,
  type DeliveryRequest,
  type DeliveryResult,
  storedTicketRef,
  type TicketRef,
} from "../connector.ts";
import { sendRequest, withPlatformMessage } from "../http-result.ts";
import { compileTemplates, renderTicketText, type TicketTemplates } from "../ticket-text.ts";
import { investigationArticle } from "./investigation-article.ts";
import { changeFor, createBody, type TicketDefaults, tagQuery, ticketUrl } from "./transform.ts";

/** An API token (`Token token=`) or an OAuth access token (Bearer). */
export type ZammadAuth = { kind: "token"; token: string } | { kind: "oauth"; token: string };

/** What the connector needs from a valid `zammad` block. */
export interface ZammadSettings extends TicketDefaults {
  /** The agent UI, for ticket links (`https://zammad.example.com`); no trailing slash. */
  baseUrl: string;
  /** The REST API (`<baseUrl>/api/v1` unless a proxy or mock is configured); no trailing slash. */
  apiBaseUrl: string;
  auth: ZammadAuth;
  templates: TicketTemplates;
}

type Call = { ok: true; data: unknown } | { ok: false; result: DeliveryResult };

/**
 * Zammad tickets through the REST API. Idempotency is a tag carrying the idempotency key, set in the
 * create request itself; before creating, the connector searches for it, so a crash between the create
 * and recording the ticket id does not open a second ticket (once Zammad's search index has the ticket).
 */
export class ZammadConnector implements Connector {
  readonly platform = "zammad";
  private readonly secrets: string[];
  private readonly authorization: string;
  private readonly text: ReturnType<typeof compileTemplates>;

  constructor(
    private readonly settings: ZammadSettings,
    private readonly deps: ConnectorDeps,
  ) {
    this.authorization = settings.auth.kind === "token" ? `Token token=${settings.auth.token}` : `Bearer ${settings.auth.token}`;
    this.secrets = [...headerSecrets([this.authorization]), settings.auth.token];
    this.text = compileTemplates(settings.templates);
  }

  async deliver(request: DeliveryRequest): Promise<DeliveryResult> {
    return scrubResult(await this.deliverUnscrubbed(request), this.secrets);
  }

  /** `GET /users/me`: proves the token and reachability; creates nothing. */
  async testConnection(): Promise<ConnectionCheck> {
    const me = await this.call("users/me", "GET", "/users/me");
    if (!me.ok) {
      const reason = me.result.kind === "delivered" ? "no answer" : me.result.reason;
      return { ok: false, detail: scrubSecrets(reason, this.secrets) };
    }
    const user = me.data && typeof me.data === "object" ? (me.data as Record<string, unknown>) : {};
    const login = typeof user.login === "string" ? user.login : "an unnamed user";
    return {
      ok: true,
      detail: scrubSecrets(
        `reached ${new URL(this.settings.apiBaseUrl).host}: authenticated as ${login}; group ${this.settings.group} is checked on the first ticket (nothing was created)`,
        this.secrets,
      ),
    };
  }

  private async deliverUnscrubbed(request: DeliveryRequest): Promise<DeliveryResult> {
    let ref = storedTicketRef(request.ticket);
    let opened = false;
    if (!ref) {
      const found = await this.findOrCreate(request);
      if (!found.ok) return found.result;
      ref = found.ref;
      opened = true;
    }
    if (request.action === "create") return { kind: "delivered", ticket: ref };
    const id = Number(ref.externalId);
    if (!Number.isInteger(id) || id < 1) {
      return {
        kind: "permanent",
        category: "not-found",
        reason: `stored Zammad ticket id "${ref.externalId}" is not a ticket id`,
      };
    }
    const text = renderTicketText(this.text, request);
    const change = changeFor(
      request.action,
      request.incident,
      { detail: request.detail, body: text.body, incidentUrl: request.incidentUrl },
      this.settings,
    );
    const investigation = request.action === "comment" ? request.investigation : undefined;
    const sent = investigation
      ? await this.call(`investigation note on ticket ${id}`, "POST", "/ticket_articles", {
          ticket_id: id,
          ...investigationArticle(investigation, request.incidentUrl),
        })
      : change.kind === "ticket"
        ? await this.call(`update of ticket ${id}`, "PUT", `/tickets/${id}`, change.body)
        : await this.call(`note on ticket ${id}`, "POST", "/ticket_articles", { ticket_id: id, ...change.body });
    if (!sent.ok) return sent.result;
    return opened ? { kind: "delivered", ticket: ref } : { kind: "delivered" };
  }

  private async findOrCreate(
    request: DeliveryRequest,
  ): Promise<{ ok: true; ref: TicketRef } | { ok: false; result: DeliveryResult }> {
    const query = new URLSearchParams({ query: tagQuery(request.idempotencyKey), limit: "1" });
    const search = await this.call("tag search", "GET", `/tickets/search?${query}`);
    if (!search.ok) return search;
    const existing = firstSearchHit(search.data);
    if (existing) return { ok: true, ref: this.ref(existing.id, existing.number) };

    const text = renderTicketText(this.text, { ...request, action: "create" });
    const created = await this.call(
      "ticket create",
      "POST",
      "/tickets",
      createBody(request.incident, text, request.idempotencyKey, this.settings),
    );
    if (!created.ok) return created;
    const ticket = created.data && typeof created.data === "object" ? (created.data as Record<string, unknown>) : {};
    if (typeof ticket.id !== "number" || !Number.isInteger(ticket.id) || ticket.id < 1) {
      return {
        ok: false,
        result: { kind: "permanent", category: "rejected", reason: "Zammad answered the create without a ticket id" },
      };
    }
    return { ok: true, ref: this.ref(ticket.id, typeof ticket.number === "string" ? ticket.number : undefined) };
  }

  private ref(id: number, number: string | undefined): TicketRef {
    return { externalId: String(id), url: ticketUrl(this.settings.baseUrl, id), meta: number ? { number } : {} };
  }

  /** One REST call; errors keep Zammad's own `error_human` (else `error`) in the reason. */
  private async call(what: string, method: string, path: string, body?: unknown): Promise<Call> {
    const headers: Record<string, string> = { accept: "application/json", authorization: this.authorization };
    if (body !== undefined) headers["content-type"] = "application/json";
    const init: RequestInit = body === undefined ? { method, headers } : { method, headers, body: JSON.stringify(body) };
    const outcome = await sendRequest(this.deps.http, `${this.settings.apiBaseUrl}${path}`, init, this.deps.timeoutMs);
    if (!outcome.ok) {
      const message = outcome.refusal ? errorMessage(outcome.refusal.body) : null;
      return { ok: false, result: withPlatformMessage(outcome.result, `Zammad ${what} failed`, message) };
    }
    try {
      return { ok: true, data: JSON.parse(outcome.body) as unknown };
    } catch {
      return {
        ok: false,
        result: {
          kind: "permanent",
          category: "configuration",
          reason: `Zammad ${what} answered HTTP ${outcome.status} with a body that is not JSON (is apiBaseUrl the REST API, <host>/api/v1?)`,
        },
      };
    }
  }
}

/** The first ticket of a search answer: `{tickets:[ids], assets:{Ticket:{...}}}`, or the expanded array form. */
export function firstSearchHit(data: unknown): { id: number; number?: string } | null {
  if (Array.isArray(data)) {
    const first = data[0] as { id?: unknown; number?: unknown } | undefined;
    return typeof first?.id === "number" ? withNumber(first.id, first.number) : null;
  }
  if (!data || typeof data !== "object") return null;
  const { tickets, assets } = data as { tickets?: unknown; assets?: { Ticket?: Record<string, { number?: unknown }> } };
  const id = Array.isArray(tickets) ? tickets[0] : undefined;
  if (typeof id !== "number" || !Number.isInteger(id) || id < 1) return null;
  return withNumber(id, assets?.Ticket?.[String(id)]?.number);
}

function withNumber(id: number, number: unknown): { id: number; number?: string } {
  return typeof number === "string" ? { id, number } : { id };
}

/** `{"error": "...", "error_human": "..."}` → the human text, else the code. */
export function errorMessage(body: string): string | null {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; error_human?: unknown };
    const text =
      typeof parsed.error_human === "string" ? parsed.error_human : typeof parsed.error === "string" ? parsed.error : "";
    return text ? text.slice(0, 500) : null;
  } catch {
    return null;
  }
}
