import type { DeliveryResult } from "../connector.ts";

const MAX_MESSAGE = 300;

/**
 * Jira's own words from an error body: `{"errorMessages": [...], "errors": {"field": "..."}}` on both
 * Cloud and Server. Falls back to the start of the body, and to nothing for HTML error pages.
 */
export function jiraErrorMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { errorMessages?: unknown; errors?: unknown; message?: unknown };
    const parts: string[] = [];
    if (Array.isArray(parsed.errorMessages))
      parts.push(...parsed.errorMessages.filter((m): m is string => typeof m === "string"));
    if (parsed.errors && typeof parsed.errors === "object") {
      for (const [field, message] of Object.entries(parsed.errors as Record<string, unknown>)) {
        if (typeof message === "string") parts.push(`${field}: ${message}`);
      }
    }
    if (parts.length === 0 && typeof parsed.message === "string") parts.push(parsed.message);
    if (parts.length > 0) return parts.join("; ").slice(0, MAX_MESSAGE);
  } catch {
    // Not JSON: a proxy's or gateway's page.
  }
  const text = body.trim();
  return text.startsWith("<") ? "" : text.slice(0, MAX_MESSAGE);
}

/**
 * Rewrites a failed call's result so the reason names the operation and carries Jira's message;
 * the kind, category and Retry-After wait stay as http-result decided them.
 */
export function describeFailure(result: DeliveryResult, operation: string, status: number | null, body: string): DeliveryResult {
  if (result.kind === "delivered") return result;
  if (status === null) return { ...result, reason: `Jira ${operation}: ${result.reason}` };
  const message = jiraErrorMessage(body);
  const suffix = message ? `: ${message}` : "";
  if (result.kind === "permanent" && result.category === "credentials") {
    return {
      ...result,
      reason: `Jira refused the credentials for ${operation} (HTTP ${status})${suffix}; check the account, its token and its project permissions`,
    };
  }
  return { ...result, reason: `Jira ${operation} failed: HTTP ${status}${suffix}` };
}
