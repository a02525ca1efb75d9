import { headerSecrets, scrubResult, scrubSecrets, urlSecrets } from "../../core/scrub.ts";
import type { ConnectionCheck, Connector, ConnectorDeps, DeliveryRequest, DeliveryResult } from "../connector.ts";
import { sendRequest } from "../http-result.ts";
import { DELIVERY_HEADER, IDEMPOTENCY_HEADER, SIGNATURE_HEADER, signPayload, TIMESTAMP_HEADER } from "./signature.ts";
import { toWebhookPayload } from "./transform.ts";

/** What the connector needs from the `webhook` config block. */
export interface WebhookSettings {
  url: string;
  /** HMAC key; null sends unsigned requests. */
  secret: string | null;
  headers: Record<string, string>;
}

/** Posts every incident change as signed JSON to one receiver. */
export class WebhookConnector implements Connector {
  readonly platform = "webhook";
  private readonly secrets: string[];

  constructor(
    private readonly settings: WebhookSettings,
    private readonly deps: ConnectorDeps,
  ) {
    this.secrets = [...urlSecrets(settings.url), ...headerSecrets(Object.values(settings.headers))];
    if (settings.secret) this.secrets.push(settings.secret);
  }

  async deliver(request: DeliveryRequest): Promise<DeliveryResult> {
    const now = this.deps.clock.now();
    // The body is the same bytes on every attempt of a delivery (built from its first rendering); only
    // the timestamp and signature are fresh, so a retry is not refused as a replay outside the tolerance.
    const body = JSON.stringify(toWebhookPayload(request, request.renderedAt ?? now));
    const timestamp = Math.floor(now / 1000);
    const headers: Record<string, string> = {
      ...this.settings.headers,
      "content-type": "application/json",
      [IDEMPOTENCY_HEADER]: request.idempotencyKey,
      ...(request.deliveryId ? { [DELIVERY_HEADER]: request.deliveryId } : {}),
      [TIMESTAMP_HEADER]: String(timestamp),
    };
    if (this.settings.secret) headers[SIGNATURE_HEADER] = signPayload(this.settings.secret, timestamp, body);

    const outcome = await sendRequest(this.deps.http, this.settings.url, { method: "POST", headers, body }, this.deps.timeoutMs);
    if (!outcome.ok) return scrubResult(outcome.result, this.secrets);
    // Only a create opens the ticket; later events leave the stored reference as it is.
    if (request.action !== "create") return { kind: "delivered" };
    return {
      kind: "delivered",
      ticket: { externalId: receiverId(outcome.body) ?? request.idempotencyKey, url: null },
    };
  }

  /** A HEAD request: it reaches the receiver and its auth layer without creating anything there. */
  async testConnection(): Promise<ConnectionCheck> {
    let status: number;
    try {
      const response = await this.deps.http(this.settings.url, {
        method: "HEAD",
        headers: this.settings.headers,
        signal: AbortSignal.timeout(this.deps.timeoutMs),
      });
      status = response.status;
      await response.body?.cancel();
    } catch (error) {
      const name = error instanceof Error ? error.name : "";
      const why =
        name === "TimeoutError" || name === "AbortError"
          ? `no answer within ${this.deps.timeoutMs} ms`
          : `request failed (${transportCode(error)})`;
      return { ok: false, detail: scrubSecrets(`webhook receiver unreachable: ${why}`, this.secrets) };
    }
    if (status === 401 || status === 403) {
      return { ok: false, detail: `webhook receiver refused the credentials (HTTP ${status}); check the configured headers` };
    }
    if (status >= 500) return { ok: false, detail: `webhook receiver is failing (HTTP ${status})` };
    // Receivers that only accept POST answer 404/405 to HEAD; any such answer still proves reachability.
    return { ok: true, detail: `webhook receiver reachable (HEAD answered HTTP ${status})` };
  }
}

// Receivers that keep their own records may answer with their id; that becomes the ticket's external id.
function receiverId(body: string): string | null {
  if (!body) return null;
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === "object" && "id" in parsed) {
      const id = (parsed as { id: unknown }).id;
      if (typeof id === "string" && id.length > 0 && id.length <= 200) return id;
      if (typeof id === "number" && Number.isFinite(id)) return String(id);
    }
  } catch {
    // A non-JSON body ("ok", "accepted") is a normal answer for a webhook.
  }
  return null;
}

// Transport errors can name the URL; only the error code is kept.
function transportCode(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: string } | undefined) : undefined;
  return cause?.code ?? (error instanceof Error ? error.name : "unknown error");
}
