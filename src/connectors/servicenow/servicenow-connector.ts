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
import { investigationWorkNote } from "./investigation-note.ts";
import {
  correlationQuery,
  createBody,
  type IncidentDefaults,
  type IncidentWrite,
  incidentUrl,
  isSysId,
  patchBody,
} from "./transform.ts";

/** Resolution note unless the config sets `closeNotes`; Liquid, with the same scope as the ticket templates. */
export const DEFAULT_CLOSE_NOTES =
  "Resolved in Sluice ({{ incident.key }}).{% if detail != '' %} {{ detail }}{% endif %}{% if incidentUrl %} {{ incidentUrl }}{% endif %}";

/** Basic auth (integration user) or an OAuth access token. */
export type ServiceNowAuth = { kind: "basic"; username: string; password: string } | { kind: "bearer"; token: string };

/** What the connector needs from a valid `servicenow` block. */
export interface ServiceNowSettings extends IncidentDefaults {
  /** `https://<instance>.service-now.com`, or a proxy / mock; no trailing slash. */
  baseUrl: string;
  auth: ServiceNowAuth;
  templates: TicketTemplates;
  /** Liquid template of the resolution note; DEFAULT_CLOSE_NOTES when absent. */
  closeNotes?: string | undefined;
}

type Call = { ok: true; data: Record<string, unknown> } | { ok: false; result: DeliveryResult };

const TABLE_PATH = "/api/now/table/incident";

/**
 * ServiceNow incidents through the Table API. Idempotency is `correlation_id` = the idempotency key:
 * before creating, the connector looks for an active incident carrying it, so a crash between the
 * create and recording its sys_id cannot open a second incident.
 */
export class ServiceNowConnector implements Connector {
  readonly platform = "servicenow";
  private readonly secrets: string[];
  private readonly authorization: string;
  private readonly text: ReturnType<typeof compileTemplates>;
  private readonly closeNotes: ReturnType<typeof compileTemplates>;

  constructor(
    private readonly settings: ServiceNowSettings,
    private readonly deps: ConnectorDeps,
  ) {
    const { auth } = settings;
    this.authorization =
      auth.kind === "basic"
        ? `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}`
        : `Bearer ${auth.token}`;
    this.secrets = [...headerSecrets([this.authorization]), auth.kind === "basic" ? auth.password : auth.token];
    this.text = compileTemplates(settings.templates);
    this.closeNotes = compileTemplates({ body: settings.closeNotes ?? DEFAULT_CLOSE_NOTES });
  }

  async deliver(request: DeliveryRequest): Promise<DeliveryResult> {
    return scrubResult(await this.deliverUnscrubbed(request), this.secrets);
  }

  async testConnection(): Promise<ConnectionCheck> {
    const call = await this.call("read access", "GET", `${TABLE_PATH}?sysparm_limit=1&sysparm_fields=sys_id`);
    if (!call.ok) {
      const reason = call.result.kind === "delivered" ? "no answer" : call.result.reason;
      return { ok: false, detail: scrubSecrets(reason, this.secrets) };
    }
    const who = this.settings.auth.kind === "basic" ? `user ${this.settings.auth.username}` : "the OAuth token";
    return {
      ok: true,
      detail: `reached ${new URL(this.settings.baseUrl).host}: ${who} can read the incident table (nothing was created)`,
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
    // A repeated create (retry after a crash) finds the stored ticket and sends nothing.
    if (request.action === "create") return { kind: "delivered", ticket: ref };
    const text = renderTicketText(this.text, request);
    const closeNotes = renderTicketText(this.closeNotes, request).body;
    const body =
      request.investigation && request.action === "comment"
        ? investigationWorkNote(request.investigation, request.incidentUrl)
        : patchBody(
            request.action,
            request.incident,
            { detail: request.detail, body: text.body, closeNotes, incidentUrl: request.incidentUrl },
            this.settings,
            request.action === "escalate" ? request.escalation : undefined,
          );
    // A group given by name (not a sys_id) is resolved by ServiceNow from its display value.
    const byName = body.assignment_group !== undefined && !isSysId(body.assignment_group);
    const patched = await this.call(
      `update of ${ref.externalId}`,
      "PATCH",
      `${TABLE_PATH}/${encodeURIComponent(ref.externalId)}${byName ? "?sysparm_input_display_value=true" : ""}`,
      body,
    );
    if (!patched.ok) return patched.result;
    return opened ? { kind: "delivered", ticket: ref } : { kind: "delivered" };
  }

  private async findOrCreate(
    request: DeliveryRequest,
  ): Promise<{ ok: true; ref: TicketRef } | { ok: false; result: DeliveryResult }> {
    const query = new URLSearchParams({
      sysparm_query: correlationQuery(request.idempotencyKey),
      sysparm_limit: "1",
      sysparm_fields: "sys_id,number",
    });
    const search = await this.call("correlation_id search", "GET", `${TABLE_PATH}?${query}`);
    if (!search.ok) return search;
    const existing = Array.isArray(search.data.result) ? search.data.result[0] : undefined;
    const existingRef = existing ? this.refFromRecord(existing) : null;
    if (existingRef) return { ok: true, ref: existingRef };

    const text = renderTicketText(this.text, { ...request, action: "create" });
    const body = createBody(request.incident, text, request.idempotencyKey, this.settings);
    const created = await this.call("incident create", "POST", TABLE_PATH, body);
    if (!created.ok) return created;
    const ref = this.refFromRecord(created.data.result);
    if (!ref) {
      return {
        ok: false,
        result: { kind: "permanent", category: "rejected", reason: "ServiceNow answered the create without a sys_id" },
      };
    }
    return { ok: true, ref };
  }

  private refFromRecord(record: unknown): TicketRef | null {
    if (!record || typeof record !== "object") return null;
    const { sys_id, number } = record as Record<string, unknown>;
    if (typeof sys_id !== "string" || !sys_id) return null;
    const meta: Record<string, unknown> = typeof number === "string" ? { number } : {};
    return { externalId: sys_id, url: incidentUrl(this.settings.baseUrl, sys_id), meta };
  }

  /** One Table API call; errors keep ServiceNow's own `error.message` and `error.detail` in the reason. */
  private async call(what: string, method: string, path: string, body?: IncidentWrite): Promise<Call> {
    const headers: Record<string, string> = { accept: "application/json", authorization: this.authorization };
    if (body) headers["content-type"] = "application/json";
    const init: RequestInit = body ? { method, headers, body: JSON.stringify(body) } : { method, headers };
    const outcome = await sendRequest(this.deps.http, `${this.settings.baseUrl}${path}`, init, this.deps.timeoutMs);
    if (!outcome.ok) {
      const message = outcome.refusal ? errorMessage(outcome.refusal.body) : null;
      return { ok: false, result: withPlatformMessage(outcome.result, `ServiceNow ${what} failed`, message) };
    }
    try {
      const data = JSON.parse(outcome.body) as unknown;
      if (data && typeof data === "object" && !Array.isArray(data)) return { ok: true, data: data as Record<string, unknown> };
    } catch {
      // Falls through: a hibernating developer instance or a login proxy answers 200 with an HTML page.
    }
    return {
      ok: false,
      result: {
        kind: "retryable",
        reason: `ServiceNow ${what} answered HTTP ${outcome.status} with a body that is not Table API JSON (instance hibernating, or a login page in front of it?)`,
      },
    };
  }
}

/** `{"error":{"message","detail"},"status":"failure"}` → "message: detail". */
export function errorMessage(body: string): string | null {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown; detail?: unknown } };
    const message = typeof parsed.error?.message === "string" ? parsed.error.message : "";
    const detail = typeof parsed.error?.detail === "string" ? parsed.error.detail : "";
    const text = [message, detail].filter(Boolean).join(": ");
    return text ? text.slice(0, 500) : null;
  } catch {
    return null;
  }
}
