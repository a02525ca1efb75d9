import { createHash } from "node:crypto";
import { ownValue } from "../../core/own.ts";
import { headerSecrets, scrubResult, scrubSecrets } from "../../core/scrub.ts";
import type { ConnectionCheck, Connector, ConnectorDeps, DeliveryRequest, DeliveryResult, TicketRef } from "../connector.ts";
import { sendRequest } from "../http-result.ts";
import { compileTemplates, renderTicketText, type TicketTemplates } from "../ticket-text.ts";
import { investigationNote } from "./investigation-note.ts";
import { eventProblem, noteContent, type PagerDutyEvent, pagerDutyEvent } from "./transform.ts";

/** What a valid, enabled `pagerduty` block configures. */
export interface PagerDutySettings {
  /** Events API v2 integration key used when no per-service key matches. */
  routingKey: string;
  /** Integration keys by service name; the incident's service picks one, else routingKey. */
  routingKeys: Record<string, string>;
  /** Events API base URL including its /v2 prefix (the paths appended are the spec's: /enqueue). */
  eventsBaseUrl: string;
  /** REST API v2 base URL. */
  apiBaseUrl: string;
  /** REST API token; with fromEmail it turns comments into incident notes. */
  apiToken: string | null;
  fromEmail: string | null;
  /** After opening an incident, acknowledge it at once (Sluice's own people take it from there). */
  autoAcknowledge: boolean;
  templates: TicketTemplates;
}

/** The routing-key format PagerDuty issues for Events API v2 integrations. */
export const ROUTING_KEY_PATTERN = /^[A-Za-z0-9]{32}$/;

// PagerDuty takes a few seconds to turn an event into an incident; a note asked for sooner waits this long.
const INCIDENT_NOT_YET_MS = 15_000;

type Refusal = { status: number; body: string; rateLimitReset: string | null };
type Sent = { ok: true; status: number; body: string } | { ok: false; result: DeliveryResult; refusal: Refusal | null };

/**
 * PagerDuty through the Events API v2, with the delivery's idempotency key as `dedup_key`: a repeated
 * trigger folds into the open alert, so retries and replays never page twice. Comments become REST API
 * notes when a token and a From address are configured (the Events API cannot carry notes).
 */
export class PagerDutyConnector implements Connector {
  readonly platform = "pagerduty";
  private readonly secrets: string[];
  private readonly compiled: ReturnType<typeof compileTemplates>;

  constructor(
    private readonly settings: PagerDutySettings,
    private readonly deps: ConnectorDeps,
  ) {
    this.compiled = compileTemplates(settings.templates);
    this.secrets = [settings.routingKey, ...Object.values(settings.routingKeys)];
    if (settings.apiToken) this.secrets.push(...headerSecrets([authorization(settings.apiToken)]), settings.apiToken);
  }

  async deliver(request: DeliveryRequest): Promise<DeliveryResult> {
    const ownerKey = request.incident.context?.destinations?.pagerduty?.routingKey;
    return scrubResult(await this.deliverUnscrubbed(request), ownerKey ? [...this.secrets, ownerKey] : this.secrets);
  }

  async testConnection(): Promise<ConnectionCheck> {
    const keys = [this.settings.routingKey, ...Object.values(this.settings.routingKeys)];
    const badKeys = keys.filter((key) => !ROUTING_KEY_PATTERN.test(key)).length;
    const keyText =
      badKeys === 0
        ? `routing key${keys.length > 1 ? "s are" : " is"} well-formed (32 characters)`
        : `${badKeys} routing key(s) are not 32 letters and digits, as PagerDuty integration keys are`;
    const eventsNote = "the Events API cannot be checked without sending an event, so it was not contacted";
    if (!this.settings.apiToken) {
      return { ok: badKeys === 0, detail: `${keyText}; ${eventsNote}` };
    }
    const sent = await this.send(`${this.settings.apiBaseUrl}/abilities`, { method: "GET", headers: this.restHeaders() });
    if (!sent.ok) {
      const reason = sent.result.kind === "delivered" ? "REST API check failed" : sent.result.reason;
      return { ok: false, detail: scrubSecrets(`REST API token check failed: ${reason}; ${keyText}`, this.secrets) };
    }
    const abilities = (parseJson(sent.body) as { abilities?: unknown } | null)?.abilities;
    const count = Array.isArray(abilities) ? ` (${abilities.length} account abilities)` : "";
    return { ok: badKeys === 0, detail: `REST API token valid${count}; ${keyText}; ${eventsNote}` };
  }

  private async deliverUnscrubbed(request: DeliveryRequest): Promise<DeliveryResult> {
    const dedupKey = dedupKeyOf(request);
    const opening = request.ticket === null;
    // A change whose create never landed opens the incident first; its note travels in custom_details.
    const action = opening && (request.action === "comment" || request.action === "update") ? "create" : request.action;

    if (action === "comment") return this.comment(request, dedupKey);
    if (action === "escalate" && !opening && this.settings.apiToken && this.settings.fromEmail) {
      return this.escalate(request, dedupKey);
    }

    if (opening && action === "acknowledge") {
      const trigger = await this.sendEvent(this.event("create", request, dedupKey));
      if (!trigger.ok) return trigger.result;
    }
    const sent = await this.sendEvent(this.event(action, request, dedupKey));
    if (!sent.ok) return sent.result;

    if (action === "create" && this.settings.autoAcknowledge) {
      const ack = await this.sendEvent(this.event("acknowledge", request, dedupKey));
      if (!ack.ok) return ack.result;
    }
    // A reopen opens a new PagerDuty incident under the same dedup_key, so the old incident's id is dropped.
    if (opening || action === "reopen") {
      const routingKeyId = keyId(this.routingKeyFor(request));
      return { kind: "delivered", ticket: { externalId: dedupKey, url: null, meta: { dedupKey, routingKeyId } } };
    }
    return { kind: "delivered" };
  }

  private event(action: DeliveryRequest["action"], request: DeliveryRequest, dedupKey: string): PagerDutyEvent | null {
    return pagerDutyEvent(action, {
      incident: request.incident,
      detail: request.detail,
      incidentUrl: request.incidentUrl,
      dedupKey,
      routingKey: this.routingKeyFor(request),
      text: renderTicketText(this.compiled, { ...request, action }),
    });
  }

  /**
   * The owner's key from the service catalog, else the service's configured key, else the default.
   * Once a ticket exists its events go to the key that opened it (PagerDuty scopes a dedup_key to
   * one integration), found by the fingerprint kept in the ticket, so a resolve never misses.
   */
  private routingKeyFor(request: Pick<DeliveryRequest, "incident" | "ticket">): string {
    const { incident } = request;
    const ownerKey = incident.context?.destinations?.pagerduty?.routingKey;
    const chosen = ownerKey ?? ownValue(this.settings.routingKeys, incident.service) ?? this.settings.routingKey;
    const used = request.ticket?.meta.routingKeyId;
    if (typeof used !== "string" || keyId(chosen) === used) return chosen;
    const known = [...(ownerKey ? [ownerKey] : []), this.settings.routingKey, ...Object.values(this.settings.routingKeys)];
    return known.find((key) => keyId(key) === used) ?? chosen;
  }

  private async sendEvent(event: PagerDutyEvent | null): Promise<{ ok: true } | { ok: false; result: DeliveryResult }> {
    if (!event) return { ok: true };
    const problem = eventProblem(event);
    if (problem) {
      return { ok: false, result: { kind: "permanent", category: "rejected", reason: `PagerDuty event not sent: ${problem}` } };
    }
    const sent = await this.send(`${this.settings.eventsBaseUrl}/enqueue`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(event),
    });
    if (!sent.ok) {
      if (sent.refusal?.status === 400) {
        return {
          ok: false,
          result: {
            kind: "permanent",
            category: "rejected",
            reason: `PagerDuty rejected the event: ${errorText(sent.refusal.body)}`,
          },
        };
      }
      return { ok: false, result: sent.result };
    }
    // PagerDuty echoes the dedup_key it was sent; ours stays the reference, so a proxy or mock cannot move it.
    return { ok: true };
  }

  // Notes need the PagerDuty incident id, which the Events API never returns: it is looked up by
  // dedup_key (the incident_key) once and kept in the ticket's meta.
  private async comment(request: DeliveryRequest, dedupKey: string): Promise<DeliveryResult> {
    const { apiToken, fromEmail } = this.settings;
    // Without REST credentials there is nowhere to put a note; the incident on PagerDuty is unchanged.
    if (!apiToken || !fromEmail) return { kind: "delivered" };
    const ticket = request.ticket;
    let incidentId = typeof ticket?.meta.incidentId === "string" ? ticket.meta.incidentId : null;
    let learned: TicketRef | null = null;
    if (!incidentId) {
      const found = await this.findIncident(dedupKey);
      if (!found.ok) return found.result;
      incidentId = found.id;
      learned = {
        externalId: ticket?.externalId ?? dedupKey,
        url: found.url ?? ticket?.url ?? null,
        meta: { ...(ticket?.meta ?? {}), dedupKey, incidentId: found.id },
      };
    }
    const sent = await this.send(`${this.settings.apiBaseUrl}/incidents/${encodeURIComponent(incidentId)}/notes`, {
      method: "POST",
      headers: { ...this.restHeaders(), from: fromEmail },
      body: JSON.stringify(
        request.investigation
          ? investigationNote(request.investigation, request.incidentUrl)
          : { note: { content: noteContent(request.action, request.incident, request.detail) } },
      ),
    });
    if (!sent.ok) return restFailure(sent);
    return learned ? { kind: "delivered", ticket: learned } : { kind: "delivered" };
  }

  /**
   * Moves the PagerDuty incident to the next level of its escalation policy through the REST API (a
   * re-sent trigger would only fold into the open alert). The level it is at is kept in the ticket (1 when
   * opened, whenever the ticket joined the incident): a retry of an escalate that landed sends the same
   * level again, which moves nothing twice. PagerDuty refusing a level past its policy's last is permanent.
   */
  private async escalate(request: DeliveryRequest, dedupKey: string): Promise<DeliveryResult> {
    const { fromEmail } = this.settings;
    const known = this.knownIncident(request);
    const found = known ? { ok: true as const, id: known, url: null } : await this.findIncident(dedupKey);
    if (!found.ok) return found.result;
    const ticket = request.ticket;
    const current = Number(ticket?.meta.escalationLevel ?? 1);
    const level = (Number.isInteger(current) && current >= 1 ? current : 1) + 1;
    const sent = await this.send(`${this.settings.apiBaseUrl}/incidents/${encodeURIComponent(found.id)}`, {
      method: "PUT",
      headers: { ...this.restHeaders(), from: fromEmail ?? "" },
      body: JSON.stringify({ incident: { type: "incident_reference", escalation_level: level } }),
    });
    if (!sent.ok) return restFailure(sent);
    return {
      kind: "delivered",
      ticket: {
        externalId: ticket?.externalId ?? dedupKey,
        url: found.url ?? ticket?.url ?? null,
        meta: { ...(ticket?.meta ?? {}), dedupKey, incidentId: found.id, escalationLevel: level },
      },
    };
  }

  private knownIncident(request: DeliveryRequest): string | null {
    const id = request.ticket?.meta.incidentId;
    return typeof id === "string" && id ? id : null;
  }

  private async findIncident(
    dedupKey: string,
  ): Promise<{ ok: true; id: string; url: string | null } | { ok: false; result: DeliveryResult }> {
    const url = `${this.settings.apiBaseUrl}/incidents?incident_key=${encodeURIComponent(dedupKey)}`;
    const sent = await this.send(url, { method: "GET", headers: this.restHeaders() });
    if (!sent.ok) return { ok: false, result: restFailure(sent) };
    const incidents = (parseJson(sent.body) as { incidents?: unknown } | null)?.incidents;
    const list = Array.isArray(incidents) ? (incidents as { id?: unknown; html_url?: unknown; status?: unknown }[]) : [];
    // After a reopen the key names a resolved incident and the new one; the note belongs on the open one.
    const chosen =
      list.find((i) => i.status !== "resolved" && typeof i.id === "string") ?? list.find((i) => typeof i.id === "string");
    if (!chosen || typeof chosen.id !== "string") {
      return {
        ok: false,
        result: {
          kind: "retryable",
          reason: "PagerDuty has no incident for this dedup_key yet (events become incidents asynchronously)",
          retryAfterMs: INCIDENT_NOT_YET_MS,
        },
      };
    }
    return { ok: true, id: chosen.id, url: typeof chosen.html_url === "string" ? chosen.html_url : null };
  }

  private restHeaders(): Record<string, string> {
    return {
      // The vendor type selects REST v2; application/json is what the answer is actually served as.
      accept: "application/vnd.pagerduty+json;version=2, application/json",
      "content-type": "application/json",
      authorization: authorization(this.settings.apiToken ?? ""),
    };
  }

  /** sendRequest, keeping the status and body of a refusal so PagerDuty's own message can be reported. */
  private async send(url: string, init: RequestInit): Promise<Sent> {
    const outcome = await sendRequest(this.deps.http, url, init, this.deps.timeoutMs);
    if (outcome.ok) return outcome;
    const refused = outcome.refusal;
    const refusal = refused
      ? { status: refused.status, body: refused.body, rateLimitReset: refused.headers.get("ratelimit-reset") }
      : null;
    return { ok: false, result: outcome.result, refusal };
  }
}

/** A fingerprint of a routing key that can be stored and shown without revealing it. */
export function keyId(routingKey: string): string {
  return createHash("sha256").update(routingKey).digest("hex").slice(0, 16);
}

function authorization(token: string): string {
  return `Token token=${token}`;
}

/** The dedup_key PagerDuty knows this incident by: the one it answered with, else the idempotency key. */
function dedupKeyOf(request: DeliveryRequest): string {
  const stored = request.ticket?.meta.dedupKey;
  if (typeof stored === "string" && stored) return stored;
  return request.ticket?.externalId || request.idempotencyKey;
}

function restFailure(sent: Extract<Sent, { ok: false }>): DeliveryResult {
  const refusal = sent.refusal;
  // The REST API throttles with ratelimit-reset (seconds until the window resets) instead of Retry-After.
  if (refusal?.status === 429 && sent.result.kind === "retryable" && sent.result.retryAfterMs === undefined) {
    const seconds = Number(refusal.rateLimitReset);
    if (refusal.rateLimitReset && Number.isFinite(seconds) && seconds >= 0)
      return { ...sent.result, retryAfterMs: seconds * 1000 };
  }
  if (refusal && sent.result.kind === "permanent" && sent.result.category !== "credentials") {
    return { ...sent.result, reason: `PagerDuty REST API answered HTTP ${refusal.status}: ${errorText(refusal.body)}` };
  }
  return sent.result;
}

/** PagerDuty's own words from an error body (Events: {message, errors}; REST: {error: {message, errors}}). */
function errorText(body: string): string {
  const parsed = parseJson(body) as {
    message?: unknown;
    errors?: unknown;
    error?: { message?: unknown; errors?: unknown };
  } | null;
  const source = parsed?.error && typeof parsed.error === "object" ? parsed.error : parsed;
  if (!source) return body.slice(0, 300) || "no error message";
  const message = typeof source.message === "string" ? source.message : "no error message";
  const errors = Array.isArray(source.errors) ? source.errors.filter((e) => typeof e === "string") : [];
  return (errors.length ? `${message} (${errors.join("; ")})` : message).slice(0, 300);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
