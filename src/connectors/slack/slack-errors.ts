import { ownValue } from "../../core/own.ts";
import type { DeliveryResult, PermanentCategory } from "../connector.ts";
import { retryAfterMs } from "../http-result.ts";

/**
 * Slack's rate-limit windows are per minute; when it says "ratelimited" without a Retry-After,
 * waiting half a window avoids hammering it while staying well inside an incident's urgency.
 */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 30_000;

const RATE_LIMITED = new Set(["ratelimited", "rate_limited"]);
// Slack documents these as transient: the same call may succeed later.
const TRANSIENT = new Set(["fatal_error", "internal_error", "service_unavailable", "request_timeout", "team_added_to_org"]);

const PERMANENT: Record<string, PermanentCategory> = {
  invalid_auth: "credentials",
  not_authed: "credentials",
  account_inactive: "credentials",
  token_revoked: "credentials",
  token_expired: "credentials",
  missing_scope: "credentials",
  not_allowed_token_type: "credentials",
  no_permission: "credentials",
  channel_not_found: "configuration",
  not_in_channel: "configuration",
  is_archived: "configuration",
  restricted_action: "configuration",
  message_not_found: "not-found",
  thread_not_found: "not-found",
};

// Incoming-webhook errors are plain-text bodies (api.slack.com/messaging/webhooks#handling_errors).
const WEBHOOK_PERMANENT: Record<string, PermanentCategory> = {
  invalid_token: "credentials",
  no_service: "credentials",
  no_service_id: "credentials",
  no_team: "credentials",
  team_disabled: "credentials",
  channel_not_found: "configuration",
  channel_is_archived: "configuration",
  action_prohibited: "configuration",
  posting_to_general_channel_denied: "configuration",
  user_not_found: "configuration",
  invalid_payload: "rejected",
  no_text: "rejected",
  too_many_attachments: "rejected",
};

/** The result for a Web API answer of `{ok:false, error}` (Slack sends those with HTTP 200). */
export function resultForSlackError(method: string, error: string, retryAfter: string | null = null): DeliveryResult {
  const code = safeCode(error);
  const reason = `Slack ${method} failed: ${code}`;
  if (RATE_LIMITED.has(code))
    return { kind: "retryable", reason, retryAfterMs: retryAfterMs(retryAfter) ?? DEFAULT_RATE_LIMIT_WAIT_MS };
  if (TRANSIENT.has(code)) return { kind: "retryable", reason };
  const category = ownValue(PERMANENT, code);
  if (category === "credentials")
    return { kind: "permanent", category, reason: `${reason} (check the bot token and its scopes)` };
  if (category === "configuration")
    return { kind: "permanent", category, reason: `${reason} (check the channel and invite the bot to it)` };
  return { kind: "permanent", category: category ?? "rejected", reason };
}

/**
 * Refines a failed incoming-webhook post: the status alone says too little (a revoked webhook is a 404,
 * an archived channel a 410), so the plain-text error code decides when Slack sent a known one.
 */
export function resultForWebhookError(status: number, body: string, fallback: DeliveryResult): DeliveryResult {
  if (fallback.kind !== "permanent") return fallback;
  const code = safeCode(body.trim());
  const category = ownValue(WEBHOOK_PERMANENT, code);
  if (!category) return fallback;
  const hint =
    category === "credentials"
      ? " (the incoming webhook was revoked or is wrong; create a new one)"
      : category === "configuration"
        ? " (the webhook's channel cannot be posted to)"
        : "";
  return { kind: "permanent", category, reason: `Slack incoming webhook refused the message: HTTP ${status} ${code}${hint}` };
}

// Slack's codes are snake_case words; anything else is not echoed (it could be an HTML page or worse).
function safeCode(value: string): string {
  return /^[a-z0-9_]{1,80}$/.test(value) ? value : "unknown_error";
}
