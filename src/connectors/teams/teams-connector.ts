import { scrubResult, urlSecrets } from "../../core/scrub.ts";
import type { ConnectionCheck, Connector, ConnectorDeps, DeliveryRequest, DeliveryResult } from "../connector.ts";
import { sendRequest, withPlatformMessage } from "../http-result.ts";
import { compileTemplates, renderTicketText, type TicketTemplates } from "../ticket-text.ts";
import { investigationCard } from "./investigation-card.ts";
import { teamsMessage } from "./transform.ts";

/** The card's text under the title unless the config overrides it: the facts are in the card's FactSet. */
export const DEFAULT_TEAMS_BODY = "{{ incident.summary }}";

/** What the connector needs from a valid `teams` block. */
export interface TeamsSettings {
  /** The Workflows trigger URL; it carries its own signature (`sig=`), so it is a secret. */
  webhookUrl: string;
  templates: TicketTemplates;
}

/**
 * Microsoft Teams through a Workflows webhook ("When a Teams webhook request is received" → post a
 * card). Every change posts a new Adaptive Card; the webhook returns no id, so the idempotency key is
 * the stored reference, and a create retried after a crash can post a second card (Teams cannot dedupe).
 */
export class TeamsConnector implements Connector {
  readonly platform = "teams";
  private readonly secrets: string[];
  private readonly text: ReturnType<typeof compileTemplates>;

  constructor(
    private readonly settings: TeamsSettings,
    private readonly deps: ConnectorDeps,
  ) {
    this.secrets = [...urlSecrets(settings.webhookUrl), ...signatureOf(settings.webhookUrl)];
    this.text = compileTemplates({ title: settings.templates.title, body: settings.templates.body ?? DEFAULT_TEAMS_BODY });
  }

  async deliver(request: DeliveryRequest): Promise<DeliveryResult> {
    // The card for this create was posted already (the ticket is stored): a second one would be noise.
    if (request.action === "create" && request.ticket) return { kind: "delivered" };
    const message =
      request.action === "comment" && request.investigation
        ? investigationCard(request.investigation, request.incidentUrl)
        : teamsMessage(
            request.action,
            request.incident,
            renderTicketText(this.text, request),
            request.detail,
            request.incidentUrl,
          );
    const outcome = await sendRequest(
      this.deps.http,
      this.settings.webhookUrl,
      { method: "POST", headers: { "content-type": "application/json; charset=utf-8" }, body: JSON.stringify(message) },
      this.deps.timeoutMs,
    );
    if (!outcome.ok) {
      const text = outcome.refusal ? errorMessage(outcome.refusal.body) : null;
      return scrubResult(withPlatformMessage(outcome.result, "Teams webhook post failed", text), this.secrets);
    }
    if (request.action !== "create" || request.ticket) return { kind: "delivered" };
    return { kind: "delivered", ticket: { externalId: request.idempotencyKey, url: null, meta: { mode: "workflows-webhook" } } };
  }

  // Posting is the only way to exercise a Workflows webhook, and a test post would land in the channel.
  async testConnection(): Promise<ConnectionCheck> {
    let url: URL;
    try {
      url = new URL(this.settings.webhookUrl);
    } catch {
      return {
        ok: false,
        detail: "webhookUrl is not a valid URL (not contacted: a Workflows webhook cannot be checked without posting)",
      };
    }
    if (url.protocol !== "https:" || !url.hostname) {
      return {
        ok: false,
        detail: "webhookUrl must be https (not contacted: a Workflows webhook cannot be checked without posting)",
      };
    }
    return {
      ok: true,
      detail: `webhookUrl is a well-formed https URL on ${url.hostname}; not contacted, because a Workflows webhook cannot be checked without posting a card to the channel`,
    };
  }
}

/** Workflows (Logic Apps) errors: `{"error":{"code","message"}}`; the code says more than the status. */
export function errorMessage(body: string): string | null {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
    const parts = [parsed.error?.code, parsed.error?.message].filter((v): v is string => typeof v === "string" && v !== "");
    return parts.length ? parts.join(": ").slice(0, 500) : null;
  } catch {
    return body.trim() ? body.trim().slice(0, 300) : null;
  }
}

// Workflows echo the request line in some errors; the `sig` value alone is the credential.
function signatureOf(webhookUrl: string): string[] {
  try {
    const sig = new URL(webhookUrl).searchParams.get("sig");
    return sig ? [sig, `sig=${sig}`] : [];
  } catch {
    return [];
  }
}
