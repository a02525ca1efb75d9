/** The incident list's filters, as the URL keeps them (so reload, back and shared links show the same list). */
export const STATES = ["open", "acknowledged", "escalated", "resolved"] as const;
export const SEVERITIES = ["critical", "high", "medium", "low", "info"] as const;
export const SINCE_CHOICES = {
  "": "any time",
  "15m": "15 minutes",
  "1h": "1 hour",
  "6h": "6 hours",
  "24h": "24 hours",
  "7d": "7 days",
};
export type SinceChoice = keyof typeof SINCE_CHOICES;

export interface Filters {
  /** Empty: every unresolved state (the default view of an on-call engineer). */
  states: string[];
  severities: string[];
  service: string;
  team: string;
  since: SinceChoice;
  text: string;
}

export const UNRESOLVED = ["open", "acknowledged", "escalated"];

const list = (value: string | null, allowed: readonly string[]) =>
  (value ?? "")
    .split(",")
    .map((part) => part.trim())
    .filter((part) => allowed.includes(part));

export function filtersFromQuery(search: string): Filters {
  const params = new URLSearchParams(search);
  const since = params.get("since") ?? "";
  return {
    states: params.get("state") === "all" ? [...STATES] : list(params.get("state"), STATES),
    severities: list(params.get("severity"), SEVERITIES),
    service: params.get("service")?.trim() ?? "",
    team: params.get("team")?.trim() ?? "",
    since: (since in SINCE_CHOICES ? since : "") as SinceChoice,
    text: params.get("q") ?? "",
  };
}

/** The query string for `filters`: only what differs from the defaults, in a stable order. */
export function queryFromFilters(filters: Filters): string {
  const params = new URLSearchParams();
  if (filters.states.length === STATES.length) params.set("state", "all");
  else if (filters.states.length) params.set("state", filters.states.join(","));
  if (filters.severities.length) params.set("severity", filters.severities.join(","));
  if (filters.service) params.set("service", filters.service);
  if (filters.team) params.set("team", filters.team);
  if (filters.since) params.set("since", filters.since);
  if (filters.text) params.set("q", filters.text);
  const query = params.toString();
  return query ? `?${query}` : "";
}

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * The API query for the filters: the server applies every one of them, so a narrow view of many incidents
 * loads only its own rows; `matches` applies the same ones to live updates, which arrive unfiltered.
 */
export function apiQuery(filters: Filters, now: number): URLSearchParams {
  const params = new URLSearchParams();
  params.set("state", (filters.states.length ? filters.states : UNRESOLVED).join(","));
  if (filters.severities.length) params.set("severity", filters.severities.join(","));
  if (filters.service) params.set("service", filters.service);
  if (filters.team) params.set("team", filters.team);
  const text = filters.text.trim();
  if (text) params.set("q", text);
  const sinceMs = sinceToMs(filters.since);
  if (sinceMs !== null) params.set("since", new Date(now - sinceMs).toISOString());
  return params;
}

export function sinceToMs(since: SinceChoice): number | null {
  const match = /^(\d+)([mhd])$/.exec(since);
  return match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : null;
}

/** What the list keeps of an incident: enough to show and filter a row (10,000 of them stay small). */
export interface Row {
  id: string;
  key: string;
  number: number;
  title: string;
  severity: string;
  state: string;
  service: string;
  team: string;
  signalCount: number;
  lastSeenAt: string;
}

/** Whether a row passes every filter (the server's too: live updates arrive unfiltered). */
export function matches(row: Row, filters: Filters, now: number): boolean {
  const states = filters.states.length ? filters.states : UNRESOLVED;
  if (!states.includes(row.state)) return false;
  if (filters.severities.length && !filters.severities.includes(row.severity)) return false;
  if (filters.service && row.service !== filters.service) return false;
  if (filters.team && row.team.toLowerCase() !== filters.team.toLowerCase()) return false;
  const sinceMs = sinceToMs(filters.since);
  if (sinceMs !== null && Date.parse(row.lastSeenAt) < now - sinceMs) return false;
  if (filters.text.trim()) {
    const needle = filters.text.trim().toLowerCase();
    const haystack = `${row.key} ${row.title} ${row.service} ${row.team}`.toLowerCase();
    if (!haystack.includes(needle)) return false;
  }
  return true;
}
