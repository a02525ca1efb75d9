const MASK = "[redacted]";
// Shorter values would mask ordinary words in a reason; real secrets are longer.
const MIN_SECRET_LENGTH = 6;

/**
 * Masks configured secret values in text that leaves the connector. Receivers echo request paths in
 * error pages ("Cannot POST /hooks/<token>"), so the URL, its path and every header value are covered.
 */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  // Longest first, so a URL is masked whole before its path would be masked inside it.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length >= MIN_SECRET_LENGTH) out = out.split(secret).join(MASK);
  }
  return out;
}

/** A connector's result with its reason scrubbed; results without a reason (delivered) carry no free text. */
export function scrubResult<R extends { kind: string }>(result: R, secrets: readonly string[]): R {
  if (!("reason" in result) || typeof result.reason !== "string") return result;
  return { ...result, reason: scrubSecrets(result.reason, secrets) };
}

/** The secret-bearing parts of a URL: the whole of it, its path and its query. */
export function urlSecrets(url: string): string[] {
  try {
    const parsed = new URL(url);
    const parts = [url, parsed.href, `${parsed.pathname}${parsed.search}`, parsed.search.slice(1)];
    if (parsed.username) parts.push(parsed.username);
    if (parsed.password) parts.push(parsed.password);
    return parts.filter((part) => part.length > 1);
  } catch {
    return [url];
  }
}

/** Header values as secrets; for "Bearer <token>"-style values the credential alone is masked as well. */
export function headerSecrets(values: readonly string[]): string[] {
  return values.flatMap((value) => {
    const space = value.indexOf(" ");
    return space > 0 ? [value, value.slice(space + 1).trim()] : [value];
  });
}
