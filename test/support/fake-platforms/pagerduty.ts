// PagerDuty: Events API v2 (POST /events/v2/enqueue) and the REST API v2 calls the connector makes
// (GET /api/incidents?incident_key=, POST /api/incidents/{id}/notes, PUT /api/incidents/{id} with an
// escalation_level, GET /api/abilities).
// Idempotency as PagerDuty has it: a trigger whose dedup_key names an open (triggered or acknowledged)
// incident is folded into it as one more alert; acknowledge/resolve act on that open incident and are
// dropped when there is none. Unlike the real service, an event becomes an incident at once (PagerDuty
// takes a few seconds, which the connector's 15 s "not yet" retry would turn into a slow test).
import { bodyObject, type FakePlatform, type FakeRequest, type FakeResponse, header, json, str } from "./common.ts";

export interface PdIncident {
  id: string;
  dedupKey: string;
  status: "triggered" | "acknowledged" | "resolved";
  /** Trigger events folded into this incident (1 = no duplicate). */
  alerts: number;
  summary: string;
  notes: string[];
  /** The escalation policy level the incident is at (1 when triggered; moved by PUT escalation_level). */
  escalationLevel: number;
  log: string[];
}

export class FakePagerDuty implements FakePlatform {
  readonly name = "pagerduty";
  readonly incidents: PdIncident[] = [];
  /** Every accepted event, in order: `<action> <dedup_key>`. */
  readonly events: string[] = [];
  /** Acknowledge/resolve events that found no open incident (PagerDuty accepts and drops them). */
  dropped = 0;

  handle(request: FakeRequest): FakeResponse {
    const route = `${request.method} ${request.path}`;
    if (route === "POST /events/v2/enqueue") return this.enqueue(request);
    if (!header(request, "authorization").startsWith("Token token=")) {
      return json(401, { error: { message: "Unauthorized", code: 2006 } });
    }
    if (route === "GET /api/abilities") return json(200, { abilities: ["teams"] });
    if (route === "GET /api/incidents") {
      const key = request.query.get("incident_key");
      const found = this.incidents.filter((i) => key === null || i.dedupKey === key);
      return json(200, {
        incidents: found.map((i) => ({
          id: i.id,
          type: "incident",
          incident_key: i.dedupKey,
          status: i.status,
          html_url: `https://fake.pagerduty.com/incidents/${i.id}`,
        })),
        limit: 25,
        offset: 0,
        more: false,
      });
    }
    const notes = /^\/api\/incidents\/([^/]+)\/notes$/.exec(request.path);
    if (request.method === "POST" && notes) {
      const incident = this.incidents.find((i) => i.id === decodeURIComponent(notes[1] ?? ""));
      if (!incident) return json(404, { error: { message: "Not Found", code: 2100 } });
      if (!header(request, "from")) {
        return json(400, { error: { message: "Invalid Input Provided", code: 2001, errors: ["Requester User Not Found"] } });
      }
      const content = str((bodyObject(request)?.note as { content?: unknown } | undefined)?.content);
      if (!content)
        return json(400, { error: { message: "Invalid Input Provided", code: 2001, errors: ["Note content is empty"] } });
      incident.notes.push(content);
      return json(201, { note: { id: `N${incident.notes.length}`, content } });
    }
    const update = /^\/api\/incidents\/([^/]+)$/.exec(request.path);
    if (request.method === "PUT" && update) {
      const incident = this.incidents.find((i) => i.id === decodeURIComponent(update[1] ?? ""));
      if (!incident) return json(404, { error: { message: "Not Found", code: 2100 } });
      if (!header(request, "from")) {
        return json(400, { error: { message: "Invalid Input Provided", code: 2001, errors: ["Requester User Not Found"] } });
      }
      const level = (bodyObject(request)?.incident as { escalation_level?: unknown } | undefined)?.escalation_level;
      if (typeof level !== "number" || !Number.isInteger(level) || level < 1) {
        return json(400, { error: { message: "Invalid Input Provided", code: 2001, errors: ["Escalation level is invalid"] } });
      }
      incident.escalationLevel = level;
      incident.log.push(`escalate to level ${level}`);
      return json(200, { incident: { id: incident.id, type: "incident", status: incident.status, escalation_level: level } });
    }
    return json(404, { error: { message: `fake PagerDuty has no route ${route}`, code: 2100 } });
  }

  private enqueue(request: FakeRequest): FakeResponse {
    const event = bodyObject(request);
    const invalid = (why: string) => json(400, { status: "invalid event", message: "Event object is invalid", errors: [why] });
    if (!event) return invalid("body is not a JSON object");
    if (!/^[A-Za-z0-9]{32}$/.test(str(event.routing_key))) return invalid("'routing_key' is invalid");
    const action = str(event.event_action);
    const dedupKey = str(event.dedup_key);
    if (!["trigger", "acknowledge", "resolve"].includes(action)) return invalid("'event_action' is invalid");
    if (action !== "trigger" && !dedupKey) return invalid("'dedup_key' is required");
    const open = this.incidents.find((i) => i.dedupKey === dedupKey && i.status !== "resolved");
    this.events.push(`${action} ${dedupKey}`);
    if (action === "trigger") {
      const payload = event.payload as { summary?: unknown; source?: unknown; severity?: unknown } | undefined;
      if (!str(payload?.summary) || !str(payload?.source) || !str(payload?.severity)) {
        return invalid("'payload' needs summary, source and severity");
      }
      if (open) {
        open.alerts++;
        open.log.push("trigger (deduplicated)");
      } else {
        const id = `PFAKE${String(this.incidents.length + 1).padStart(3, "0")}`;
        this.incidents.push({
          id,
          dedupKey: dedupKey || id,
          status: "triggered",
          alerts: 1,
          summary: str(payload?.summary),
          notes: [],
          escalationLevel: 1,
          log: ["trigger"],
        });
      }
    } else if (!open) {
      this.dropped++;
    } else if (action === "acknowledge") {
      if (open.status === "triggered") open.status = "acknowledged";
      open.log.push("acknowledge");
    } else {
      open.status = "resolved";
      open.log.push("resolve");
    }
    return json(202, { status: "success", message: "Event processed", dedup_key: dedupKey });
  }

  describe(): string {
    const list = this.incidents.map((i) => `${i.id}[${i.status}, ${i.alerts} alerts, ${i.notes.length} notes]`).join(" ");
    return `${this.incidents.length} incident(s) ${list}; ${this.events.length} events, ${this.dropped} dropped`;
  }
}
