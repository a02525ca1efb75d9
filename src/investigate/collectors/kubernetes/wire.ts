// Readers of the API server's JSON: every field may be missing, so each reader has a neutral default.

export type Wire = Record<string, unknown>;

export function obj(value: unknown): Wire {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Wire) : {};
}

export function array(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** An RFC 3339 timestamp as epoch ms; null when absent or unreadable. */
export function at(value: unknown): number | null {
  if (typeof value !== "string" || value === "") return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}
