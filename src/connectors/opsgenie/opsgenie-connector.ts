import { scrubResult, scrubSecrets } from "../../core/scrub.ts";
import type { ConnectionCheck, Connector, ConnectorDeps, DeliveryRequest, DeliveryResult, TicketRef } from "../connector.ts";
import { sendRequest } from "../http-result.ts";
import { compileTemplates, renderTicketText, type TicketTemplates } from "../ticket-text.ts";
import { investigationNoteText } from "./investigation-note.ts";
import {
  ALERT_SOURCE,
  ALIAS_MAX,
  alertDescription,
  alertMessage,
  createAlertBody,
  escalatedPriority,
  noteText,
  type OpsgenieFlavour,
  type OpsgenieResponder,
  opsgeniePriority,
  updateNote,
} from "./transform.ts";

/** What a valid, enabled `opsgenie` or `jsm` block configures. */
export interface OpsgenieSettings {
  flavour: OpsgenieFlavour;
  /** Opsgenie: https://api.opsgenie.com (EU: https://api.eu.opsgenie.com); JSM: https://api.atlassian.com/jsm/ops/api/<cloudId>. */
  baseUrl: string;
  /** The whole Authorization header value: `GenieKey <key>` or `Basic <email:token>`. */
  authorization: string;
  /** Configured secret values (key, token, header) to mask in every reason. */
  secrets: string[];
  responders: OpsgenieResponder[];
  /** Escalation policy an escalate moves to its next level (Opsgenie and JSM Ops); without one, a note. */
  escalation: OpsgenieResponder | null;
  tags: string[];
  /** How often and how far apart to ask for the outcome of an asynchronous create. */
  requestStatusAttempts: number;
  requestStatusDelayMs: number;
  templates: TicketTemplates;
}

type Refusal = { status: number; body: string; rateLimitPeriod: string | null };
type Sent = { ok: true; status: number; body: string } | { ok: false; result: DeliveryResult; refusal: Refusal | null };
type Step = { ok: true } | { ok: false; result: DeliveryResult };

/**
 * Opsgenie alerts, and Jira Service Management Ops alerts (one class, two flavours). The delivery's
 * idempotency key is the alert `alias`: Opsgenie folds a create with the alias of an open alert into
 * that alert, so a retried or replayed create never pages twice. Writes are asynchronous (HTTP 202 and a
 * request id); a create's request is followed to learn the alert id and to see a failure Opsgenie only
 * reports there.
 */
export class OpsgenieConnector implements Connector {
  readonly platform: OpsgenieFlavour;
  private readonly compiled: ReturnType<typeof compileTemplates>;
  private readonly alerts: string;

  constructor(
    private readonly settings: OpsgenieSettings,
    private readonly deps: ConnectorDeps,
  ) {
    this.platform = settings.flavour;
    this.compiled = compileTemplates(settings.templates);
    this.alerts = `${settings.baseUrl}${settings.flavour === "jsm" ? "/v1/alerts" : "/v2/alerts"}`;
  }

  private get name(): string {
    return this.settings.flavour === "jsm" ? "JSM Ops" : "Opsgenie";
  }

  async deliver(request: DeliveryRequest): Promise<DeliveryResult> {
    return scrubResult(await this.deliverUnscrubbed(request), this.settings.secrets);
  }

  async testConnection(): Promise<ConnectionCheck> {
    // Listing one alert needs only read access and changes nothing.
    const query = this.settings.flavour === "jsm" ? "size=1" : "limit=1";
    const sent = await this.send(`${this.alerts}?${query}`, { method: "GET", headers: this.headers() });
    if (!sent.ok) {
      const reason = sent.result.kind === "delivered" ? "request failed" : sent.result.reason;
      return { ok: false, detail: scrubSecrets(`${this.name} alert API check failed: ${reason}`, this.settings.secrets) };
    }
    return { ok: true, detail: `${this.name} credentials accepted: alerts can be read at ${new URL(this.alerts).host}` };
  }

  private async deliverUnscrubbed(request: DeliveryRequest): Promise<DeliveryResult> {
    const alias = aliasOf(request);
    if (alias.length > ALIAS_MAX) {
      return {
        kind: "permanent",
        category: "rejected",
        reason: `${this.name} alert not sent: alias is longer than ${ALIAS_MAX}`,
      };
    }
    // Opsgenie reopens by alias: a create with the alias of a closed alert opens a new alert.
    if (request.action === "create" || request.action === "reopen") return this.create(request, alias);
    // A change whose create never landed opens the alert first (a close of nothing needs no alert).
    if (request.ticket === null && request.action !== "resolve") {
      const created = await this.create({ ...request, action: "create" }, alias);
      if (created.kind !== "delivered" || !created.ticket) return created;
      const step = await this.act(request, alias, stringMeta(created.ticket.meta ?? {}, "alertId"));
      return step.ok ? created : step.result;
    }
    const step = await this.act(request, alias, stringMeta(request.ticket?.meta ?? {}, "alertId"));
    return step.ok ? { kind: "delivered" } : step.result;
  }

  private async create(request: DeliveryRequest, alias: string): Promise<DeliveryResult> {
    const text = renderTicketText(this.compiled, request);
    const body = createAlertBody(
      {
        incident: request.incident,
        alias,
        detail: request.detail,
        incidentUrl: request.incidentUrl,
        text,
        responders: this.settings.responders,
        tags: this.settings.tags,
      },
      this.settings.flavour,
    );
    const sent = await this.send(this.alerts, { method: "POST", headers: this.headers(), body: JSON.stringify(body) });
    if (!sent.ok) return this.failure(sent);
    const requestId = (parseJson(sent.body) as { requestId?: unknown } | null)?.requestId;
    if (typeof requestId !== "string" || !requestId) {
      return { kind: "permanent", category: "rejected", reason: `${this.name} accepted the alert without a requestId` };
    }
    const outcome = await this.followRequest(requestId);
    if (!outcome.ok) return outcome.result;
    const meta: Record<string, unknown> = { alias, requestId };
    if (outcome.alertId) meta.alertId = outcome.alertId;
    return { kind: "delivered", ticket: { externalId: outcome.alertId ?? alias, url: null, meta } satisfies TicketRef };
  }

  /**
   * Asks for the outcome of an asynchronous request. Opsgenie answers 404 until it has processed the
   * request, so a few spaced attempts are made; a request still unknown after them is retried later
   * (the create is repeated with the same alias, which Opsgenie deduplicates).
   */
  private async followRequest(
    requestId: string,
  ): Promise<{ ok: true; alertId: string | null } | { ok: false; result: DeliveryResult }> {
    const url = `${this.alerts}/requests/${encodeURIComponent(requestId)}`;
    const attempts = Math.max(1, this.settings.requestStatusAttempts);
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) await delay(this.settings.requestStatusDelayMs * (attempt - 1));
      const sent = await this.send(url, { method: "GET", headers: this.headers() });
      if (!sent.ok) {
        if (sent.refusal?.status === 404) continue;
        return { ok: false, result: this.failure(sent) };
      }
      const answer = parseJson(sent.body) as Record<string, unknown> | null;
      // Opsgenie wraps the status in `data`; JSM Ops returns it bare.
      const status = (answer?.data && typeof answer.data === "object" ? answer.data : answer) as {
        isSuccess?: unknown;
        status?: unknown;
        alertId?: unknown;
      } | null;
      if (status?.isSuccess === false) {
        const text = typeof status.status === "string" && status.status ? status.status : "no reason given";
        return {
          ok: false,
          result: { kind: "permanent", category: "rejected", reason: `${this.name} failed the request asynchronously: ${text}` },
        };
      }
      return { ok: true, alertId: typeof status?.alertId === "string" && status.alertId ? status.alertId : null };
    }
    return {
      ok: false,
      result: {
        kind: "retryable",
        reason: `${this.name} had not processed request ${requestId} after ${attempts} status checks`,
        retryAfterMs: Math.max(1000, this.settings.requestStatusDelayMs * attempts),
      },
    };
  }

  /** Every later change, addressed by alias (Opsgenie) or alert id (JSM Ops knows alerts by id only). */
  private async act(request: DeliveryRequest, alias: string, knownAlertId: string | null): Promise<Step> {
    const target = await this.alertPath(alias, knownAlertId);
    if (!target.ok) return target;
    if (target.path === null) return { ok: true }; // JSM: no such alert, so there is nothing to change.
    const { incident, detail, action } = request;
    const at = (suffix: string) => `${target.path}/${suffix}${target.query}`;
    switch (action) {
      case "acknowledge":
        return this.post(at("acknowledge"), { source: ALERT_SOURCE, note: noteText(action, incident, detail) });
      case "resolve":
        return this.post(at("close"), { source: ALERT_SOURCE, note: noteText(action, incident, detail) });
      case "comment":
        return this.post(at("notes"), {
          source: ALERT_SOURCE,
          note: request.investigation
            ? investigationNoteText(request.investigation, request.incidentUrl)
            : noteText(action, incident, detail),
        });
      case "update":
        return this.update(request, at);
      case "escalate":
        return this.escalate(request, at);
      default:
        return { ok: true };
    }
  }

  // Opsgenie keeps a deduplicated alert's fields as they were, so an update edits them. JSM Ops offers
  // no field edits with the same shapes, so there the change is a note with the re-rendered text.
  private async update(request: DeliveryRequest, at: (suffix: string) => string): Promise<Step> {
    const text = renderTicketText(this.compiled, request);
    if (this.settings.flavour === "jsm") {
      return this.post(at("notes"), { source: ALERT_SOURCE, note: updateNote(request.incident, text.body, request.detail) });
    }
    const edits: [string, Record<string, unknown>][] = [
      ["message", { message: alertMessage(text.title) }],
      ["description", { description: alertDescription(text.body) }],
      ["priority", { priority: opsgeniePriority(request.incident.severity) }],
    ];
    for (const [field, body] of edits) {
      const step = await this.put(at(field), body);
      if (!step.ok) return step;
    }
    if (!request.detail.trim()) return { ok: true };
    return this.post(at("notes"), { source: ALERT_SOURCE, note: noteText("update", request.incident, request.detail) });
  }

  // Escalating raises the priority one step per level (P3 → P2) so the alert outranks routine ones, then
  // moves a configured escalation policy to its next rule; without one the reason is added as a note.
  // JSM Ops keeps Opsgenie's escalate action (`POST /v1/alerts/{id}/escalate`, the same body with the
  // escalation's id), so it escalates too; it has no priority edit of the same shape, so it keeps its priority.
  private async escalate(request: DeliveryRequest, at: (suffix: string) => string): Promise<Step> {
    const { incident, detail } = request;
    const note = noteText("escalate", incident, detail);
    if (this.settings.flavour === "opsgenie") {
      const raised = await this.put(at("priority"), { priority: escalatedPriority(incident.severity, incident.escalationLevel) });
      if (!raised.ok) return raised;
    }
    const escalation = this.settings.escalation;
    if (escalation) {
      return this.post(at("escalate"), { escalation, source: ALERT_SOURCE, note });
    }
    return this.post(at("notes"), { source: ALERT_SOURCE, note });
  }

  private async alertPath(
    alias: string,
    knownAlertId: string | null,
  ): Promise<{ ok: true; path: string | null; query: string } | { ok: false; result: DeliveryResult }> {
    if (this.settings.flavour === "opsgenie") {
      return { ok: true, path: `${this.alerts}/${encodeURIComponent(alias)}`, query: "?identifierType=alias" };
    }
    if (knownAlertId) return { ok: true, path: `${this.alerts}/${encodeURIComponent(knownAlertId)}`, query: "" };
    // JSM Ops addresses alerts by id only; an alert whose id was never learned is found by its alias.
    const query = encodeURIComponent(`alias:"${alias.replaceAll('"', '\\"')}"`);
    const sent = await this.send(`${this.alerts}?query=${query}&size=1`, { method: "GET", headers: this.headers() });
    if (!sent.ok) return { ok: false, result: this.failure(sent) };
    const values = (parseJson(sent.body) as { values?: unknown } | null)?.values;
    const first = Array.isArray(values) ? (values[0] as { id?: unknown } | undefined) : undefined;
    if (typeof first?.id !== "string" || !first.id) return { ok: true, path: null, query: "" };
    return { ok: true, path: `${this.alerts}/${encodeURIComponent(first.id)}`, query: "" };
  }

  private async post(url: string, body: Record<string, unknown>): Promise<Step> {
    const sent = await this.send(url, { method: "POST", headers: this.headers(), body: JSON.stringify(body) });
    return sent.ok ? { ok: true } : { ok: false, result: this.failure(sent) };
  }

  private async put(url: string, body: Record<string, unknown>): Promise<Step> {
    const sent = await this.send(url, { method: "PUT", headers: this.headers(), body: JSON.stringify(body) });
    return sent.ok ? { ok: true } : { ok: false, result: this.failure(sent) };
  }

  private headers(): Record<string, string> {
    return { authorization: this.settings.authorization, accept: "application/json", "content-type": "application/json" };
  }

  /** A refusal with Opsgenie's own message ({message, took, requestId}) where there is one. */
  private failure(sent: Extract<Sent, { ok: false }>): DeliveryResult {
    const { refusal, result } = sent;
    // Opsgenie throttles without Retry-After; the length of its throttling period is the wait it implies.
    if (refusal && result.kind === "retryable" && result.retryAfterMs === undefined && refusal.status === 429) {
      const seconds = Number(refusal.rateLimitPeriod);
      if (refusal.rateLimitPeriod && Number.isFinite(seconds) && seconds > 0) return { ...result, retryAfterMs: seconds * 1000 };
    }
    if (!refusal || result.kind !== "permanent") return result;
    const message = (parseJson(refusal.body) as { message?: unknown } | null)?.message;
    const text = typeof message === "string" && message ? message : refusal.body.slice(0, 300) || "no error message";
    const reason = `${this.name} answered HTTP ${refusal.status}: ${text.slice(0, 300)}`;
    return { ...result, reason: result.category === "credentials" ? `credentials rejected (${reason})` : reason };
  }

  /** sendRequest, keeping the status and body of a refusal so the platform's own message can be reported. */
  private async send(url: string, init: RequestInit): Promise<Sent> {
    const outcome = await sendRequest(this.deps.http, url, init, this.deps.timeoutMs);
    if (outcome.ok) return outcome;
    const refused = outcome.refusal;
    const refusal = refused
      ? { status: refused.status, body: refused.body, rateLimitPeriod: refused.headers.get("x-ratelimit-period-in-sec") }
      : null;
    return { ok: false, result: outcome.result, refusal };
  }
}

/** The alias this incident's alert has on the platform: the stored one, else the idempotency key. */
function aliasOf(request: DeliveryRequest): string {
  const stored = request.ticket?.meta.alias;
  return typeof stored === "string" && stored ? stored : request.idempotencyKey;
}

function stringMeta(meta: Record<string, unknown>, key: string): string | null {
  const value = meta[key];
  return typeof value === "string" && value ? value : null;
}

function delay(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
