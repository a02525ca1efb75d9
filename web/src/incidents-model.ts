import { api } from "./api.ts";
import { apiQuery, type Filters, type Row } from "./filters.ts";

export interface ApiIncident {
  id: string;
  key: string;
  number: number;
  title: string;
  severity: string;
  state: string;
  service: string;
  signalCount: number;
  lastSeenAt: string;
  context?: { owner?: { team?: string } };
}

export function toRow(incident: ApiIncident): Row {
  return {
    id: incident.id,
    key: incident.key,
    number: incident.number,
    title: incident.title,
    severity: incident.severity,
    state: incident.state,
    service: incident.service,
    team: incident.context?.owner?.team ?? "",
    signalCount: incident.signalCount,
    lastSeenAt: incident.lastSeenAt,
  };
}

/** At most this many rows are loaded; beyond it the list says so and asks for narrower filters. */
export const MAX_ROWS = 20_000;
/** A small first page paints sooner; the rest come in larger pages (fewer requests). */
const FIRST_PAGE = 100;
const PAGE = 500;

/**
 * Loads every incident the server-side filters let through, page by page, handing each page over as it
 * arrives: the first paints at once, the rest fill in behind it. Stops when `cancelled()` says so.
 */
export async function loadAll(filters: Filters, onPage: (rows: Row[], done: boolean) => void, cancelled: () => boolean) {
  const query = apiQuery(filters, Date.now());
  query.set("limit", String(FIRST_PAGE));
  let loaded = 0;
  for (;;) {
    const page = await api<{ items: ApiIncident[]; nextCursor: string | null }>(`/api/incidents?${query}`);
    if (cancelled()) return;
    loaded += page.items.length;
    const done = page.nextCursor === null || loaded >= MAX_ROWS;
    onPage(page.items.map(toRow), done);
    if (done) return;
    query.set("cursor", page.nextCursor as string);
    query.set("limit", String(PAGE));
  }
}
