import type { InboundEvent, PolledTicket, SyncPoller } from "../../core/inbound.ts";
import type { ConnectorDeps } from "../connector.ts";
import { sendRequest } from "../http-result.ts";
import type { ServiceNowSettings } from "./servicenow-connector.ts";
import { eventsFromRecord, type ServiceNowRecord } from "./servicenow-sync.ts";

const TABLE_PATH = "/api/now/table/incident";
const FIELDS = "sys_id,number,state,correlation_id,work_notes,close_code,sys_updated_by,sys_updated_on";
/** sys_id lists per request: keeps the query string well under proxy limits. */
const CHUNK = 50;

/** ServiceNow's `YYYY-MM-DD HH:mm:ss` (UTC, as the Table API reads it without display values). */
function glideDateTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace("T", " ");
}

/**
 * Reads linked incidents changed since the last poll (sys_updated_on), for instances whose outbound
 * REST messages cannot reach Sluice. Changes by Sluice's own integration user are skipped; what was
 * already applied comes back as an echo, so overlapping polls are harmless.
 */
export class ServiceNowPoller implements SyncPoller {
  readonly platform = "servicenow";

  constructor(
    private readonly settings: ServiceNowSettings,
    private readonly deps: ConnectorDeps,
    readonly intervalMs: number,
    private readonly integrationUser: string | null,
  ) {}

  async poll(tickets: readonly PolledTicket[], since: number): Promise<InboundEvent[]> {
    const events: InboundEvent[] = [];
    for (let i = 0; i < tickets.length; i += CHUNK) {
      const ids = tickets.slice(i, i + CHUNK).map((ticket) => ticket.externalId);
      const query = new URLSearchParams({
        sysparm_query: `sys_idIN${ids.join(",")}^sys_updated_on>=${glideDateTime(since)}`,
        sysparm_fields: FIELDS,
        sysparm_limit: String(CHUNK),
      });
      const outcome = await sendRequest(
        this.deps.http,
        `${this.settings.baseUrl}${TABLE_PATH}?${query}`,
        { method: "GET", headers: { accept: "application/json", authorization: this.authorization() } },
        this.deps.timeoutMs,
      );
      // A failed poll is retried by the next one (it starts from the same time), so it is not an error here.
      if (!outcome.ok) continue;
      let records: ServiceNowRecord[];
      try {
        records = (JSON.parse(outcome.body) as { result?: ServiceNowRecord[] }).result ?? [];
      } catch {
        continue;
      }
      for (const record of records) {
        // A poll sees the record's current state, not a transition: "state changed" is what the incident says.
        events.push(...eventsFromRecord({ ...record, work_notes: record.work_notes || undefined }, this.integrationUser));
      }
    }
    return events;
  }

  private authorization(): string {
    const { auth } = this.settings;
    return auth.kind === "basic"
      ? `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}`
      : `Bearer ${auth.token}`;
  }
}
