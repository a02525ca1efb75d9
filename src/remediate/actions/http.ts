import type { HttpActionConfig } from "../../config/remediation-action-config.ts";
import type { HttpClient } from "../../connectors/connector.ts";
import { fill, fillJson } from "../template.ts";
import type { ActionContext, ActionIncident, ActionOutcome, RemediationAction } from "./action.ts";

/** The URL without its query and fragment: what the guardrails count and what the timeline shows. */
function bare(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

/**
 * `http`: one request to an admin endpoint or a deploy hook. URL and body take the incident's matcher
 * fields only; the secret goes in a header and nowhere else; the idempotency key goes in `Idempotency-Key`.
 */
export class HttpAction implements RemediationAction {
  readonly kind = "http";

  constructor(
    private readonly config: HttpActionConfig,
    private readonly http: HttpClient,
  ) {}

  private url(incident: ActionIncident): string {
    return fill(this.config.url, incident, encodeURIComponent);
  }

  target(incident: ActionIncident): string {
    return `http:${this.config.method} ${bare(this.url(incident))}`;
  }

  describe(context: ActionContext): string {
    const body = this.body(context.incident);
    return `${this.config.method} ${bare(this.url(context.incident))}${body === undefined ? "" : ` with a ${body.length}-byte JSON body`}`;
  }

  private body(incident: ActionIncident): string | undefined {
    return this.config.body === undefined ? undefined : JSON.stringify(fillJson(this.config.body, incident));
  }

  private authHeaders(context: ActionContext): Record<string, string> {
    const auth = this.config.auth;
    if (!auth) return {};
    if ("bearer" in auth) return { authorization: `Bearer ${context.secret(auth.bearer)}` };
    if ("basic" in auth) {
      const pair = Buffer.from(`${auth.basic.username}:${context.secret(auth.basic.password)}`).toString("base64");
      return { authorization: `Basic ${pair}` };
    }
    return { [auth.header.toLowerCase()]: context.secret(auth.secret) };
  }

  async execute(context: ActionContext): Promise<ActionOutcome> {
    const url = this.url(context.incident);
    const body = this.body(context.incident);
    const what = `${this.config.method} ${bare(url)}`;
    const headers: Record<string, string> = {
      ...Object.fromEntries(Object.entries(this.config.headers).map(([name, value]) => [name.toLowerCase(), value])),
      "idempotency-key": context.idempotencyKey,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...this.authHeaders(context),
    };
    let response: Response;
    try {
      response = await this.http(url, {
        method: this.config.method,
        headers,
        body,
        signal: AbortSignal.any([context.signal, AbortSignal.timeout(this.config.timeout)]),
      });
    } catch (error) {
      const reason =
        error instanceof Error && error.name === "TimeoutError"
          ? `no answer within ${this.config.timeout} ms`
          : "the request failed";
      return { ok: false, summary: `${what}: ${reason}` };
    }
    // The body is read and dropped: an admin endpoint may echo what it was sent, secrets included.
    await response.arrayBuffer().catch(() => undefined);
    const expected = this.config.expectStatus;
    const ok = expected ? expected.includes(response.status) : response.status >= 200 && response.status < 300;
    return { ok, summary: `${what} answered HTTP ${response.status}${ok ? "" : " (not a success)"}` };
  }
}
