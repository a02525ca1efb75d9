// ServiceNow Table API for `incident` (GET with sysparm_query, POST, PATCH /{sys_id}). Idempotency as
// ServiceNow offers it: none on POST; Sluice's connector searches `correlation_id=<key>^active=true` first,
// so a create is absorbed only when that search finds the incident. States: 1 New, 2 In Progress, 6 Resolved
// (still active), 7 Closed and 8 Canceled (inactive). Resolving needs close_code and close_notes, as the
// base system's data policy demands.
import { randomBytes } from "node:crypto";
import { bodyObject, type FakePlatform, type FakeRequest, type FakeResponse, header, json, str } from "./common.ts";

export interface SnIncident {
  sys_id: string;
  number: string;
  state: string;
  active: string;
  correlation_id: string;
  short_description: string;
  urgency: string;
  impact: string;
  close_code: string;
  close_notes: string;
  /** The work_notes journal: every value ever written, oldest first. */
  work_notes: string[];
}

const TABLE = "/api/now/table/incident";
const WRITABLE = [
  "state",
  "short_description",
  "description",
  "urgency",
  "impact",
  "correlation_id",
  "close_code",
  "close_notes",
];

export class FakeServiceNow implements FakePlatform {
  readonly name = "servicenow";
  readonly incidents: SnIncident[] = [];
  creates = 0;

  handle(request: FakeRequest): FakeResponse {
    if (!header(request, "authorization")) {
      return json(401, {
        error: { message: "User Not Authenticated", detail: "Required to provide Auth information" },
        status: "failure",
      });
    }
    if (request.method === "GET" && request.path === TABLE) return this.search(request);
    if (request.method === "POST" && request.path === TABLE) return this.create(request);
    const one = new RegExp(`^${TABLE}/([0-9a-f]{32})$`).exec(request.path);
    if (one && (request.method === "PATCH" || request.method === "GET")) {
      const record = this.incidents.find((i) => i.sys_id === one[1]);
      if (!record)
        return json(404, {
          error: { message: "No Record found", detail: "Record doesn't exist or ACL restricts the record retrieval" },
          status: "failure",
        });
      return request.method === "GET" ? json(200, { result: present(record) }) : this.patch(record, request);
    }
    return json(400, {
      error: { message: "Invalid table or path", detail: `${request.method} ${request.path}` },
      status: "failure",
    });
  }

  private search(request: FakeRequest): FakeResponse {
    const conditions = (request.query.get("sysparm_query") ?? "")
      .split("^")
      .filter(Boolean)
      .map((part) => {
        const at = part.indexOf("=");
        return at < 0 ? ([part, ""] as const) : ([part.slice(0, at), part.slice(at + 1)] as const);
      });
    const limit = Number(request.query.get("sysparm_limit") ?? 10_000);
    const fields = request.query.get("sysparm_fields")?.split(",").filter(Boolean);
    const found = this.incidents
      .filter((record) =>
        conditions.every(([field, value]) => String((present(record) as Record<string, unknown>)[field] ?? "") === value),
      )
      .slice(0, limit)
      .map((record) => {
        const full = present(record) as Record<string, unknown>;
        return fields ? Object.fromEntries(fields.map((f) => [f, full[f] ?? ""])) : full;
      });
    return json(200, { result: found });
  }

  private create(request: FakeRequest): FakeResponse {
    const body = bodyObject(request);
    if (!body) return json(400, { error: { message: "Exception while reading request", detail: "not JSON" }, status: "failure" });
    this.creates++;
    const record: SnIncident = {
      sys_id: randomBytes(16).toString("hex"),
      number: `INC${String(10_000 + this.incidents.length + 1).padStart(7, "0")}`,
      state: "1",
      active: "true",
      correlation_id: "",
      short_description: "",
      urgency: "3",
      impact: "3",
      close_code: "",
      close_notes: "",
      work_notes: [],
    };
    this.apply(record, body);
    this.incidents.push(record);
    return json(201, { result: present(record) });
  }

  private patch(record: SnIncident, request: FakeRequest): FakeResponse {
    const body = bodyObject(request);
    if (!body) return json(400, { error: { message: "Exception while reading request", detail: "not JSON" }, status: "failure" });
    const state = body.state === undefined ? record.state : String(body.state);
    if (state === "6" && (!(str(body.close_code) || record.close_code) || !(str(body.close_notes) || record.close_notes))) {
      return json(403, {
        error: { message: "Operation Failed", detail: "Data Policy Exception: Resolution code, Resolution notes are mandatory" },
        status: "failure",
      });
    }
    this.apply(record, body);
    return json(200, { result: present(record) });
  }

  private apply(record: SnIncident, body: Record<string, unknown>): void {
    for (const field of WRITABLE) {
      if (body[field] !== undefined) (record as unknown as Record<string, unknown>)[field] = String(body[field]);
    }
    if (typeof body.work_notes === "string" && body.work_notes) record.work_notes.push(body.work_notes);
    record.active = record.state === "7" || record.state === "8" ? "false" : "true";
  }

  describe(): string {
    const list = this.incidents.map((i) => `${i.number}[state ${i.state}, ${i.work_notes.length} work notes]`).join(" ");
    return `${this.incidents.length} incident(s) ${list}; ${this.creates} creates`;
  }
}

function present(record: SnIncident): Omit<SnIncident, "work_notes"> & { work_notes: string } {
  return { ...record, work_notes: "" };
}
