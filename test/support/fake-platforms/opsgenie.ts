// Opsgenie Alert API v2 (/v2/alerts, alias or id identifiers) and Jira Service Management Ops (/v1/alerts,
// ids only, alias search with `query=alias:"..."`). Idempotency as both have it: a create whose alias
// names an open alert is deduplicated into it (count + 1); with the alias of a closed alert it opens a new
// alert. Writes are asynchronous: each answers 202 with a requestId, and GET .../requests/{id} answers 404
// until the request is processed (`processingMs` later), then its outcome (wrapped in `data` on Opsgenie).
import { bodyObject, type FakePlatform, type FakeRequest, type FakeResponse, header, json, str } from "./common.ts";

export interface FakeAlert {
  id: string;
  alias: string;
  status: "open" | "closed";
  acknowledged: boolean;
  /** Creates folded into this alert (1 = no duplicate). */
  count: number;
  message: string;
  priority: string;
  notes: string[];
  log: string[];
}

interface AsyncRequest {
  processAt: number;
  isSuccess: boolean;
  status: string;
  action: string;
  alertId: string;
  alias: string;
}

export class FakeOpsgenie implements FakePlatform {
  readonly alerts: FakeAlert[] = [];
  private readonly requests = new Map<string, AsyncRequest>();
  private nextRequest = 1;
  private readonly root: string;

  constructor(
    readonly name: "opsgenie" | "jsm",
    private readonly processingMs = 30,
  ) {
    this.root = name === "jsm" ? "/v1/alerts" : "/v2/alerts";
  }

  handle(request: FakeRequest): FakeResponse {
    const auth = header(request, "authorization");
    if (!auth.startsWith(this.name === "jsm" ? "Basic " : "GenieKey ")) {
      return json(401, { message: "Could not authenticate", took: 0, requestId: "none" });
    }
    const { method, path } = request;
    if (!path.startsWith(this.root)) return json(404, { message: `fake ${this.name} has no route ${method} ${path}` });
    const rest = path.slice(this.root.length);
    if (method === "POST" && rest === "") return this.create(request);
    if (method === "GET" && rest === "") return this.list(request);
    const status = /^\/requests\/([^/]+)$/.exec(rest);
    if (method === "GET" && status) return this.requestStatus(decodeURIComponent(status[1] ?? ""));
    const action = /^\/([^/]+)\/(acknowledge|close|notes|priority|message|description|escalate)$/.exec(rest);
    if (action && (method === "POST" || method === "PUT")) {
      const identifier = decodeURIComponent(action[1] ?? "");
      const byAlias = this.name === "opsgenie" && request.query.get("identifierType") === "alias";
      const alert = byAlias
        ? (this.alerts.find((a) => a.alias === identifier && a.status === "open") ??
          this.alerts.findLast((a) => a.alias === identifier))
        : this.alerts.find((a) => a.id === identifier);
      return this.act(action[2] ?? "", alert, bodyObject(request) ?? {});
    }
    return json(404, { message: `fake ${this.name} has no route ${method} ${path}` });
  }

  private accepted(outcome: Omit<AsyncRequest, "processAt">): FakeResponse {
    const requestId = `${this.name}-req-${this.nextRequest++}`;
    this.requests.set(requestId, { ...outcome, processAt: Date.now() + this.processingMs });
    return json(202, { result: "Request will be processed", took: 0.01, requestId });
  }

  private create(request: FakeRequest): FakeResponse {
    const body = bodyObject(request);
    const alias = str(body?.alias);
    if (!body || !str(body.message)) return json(422, { message: "Request body is not processable: message is empty" });
    const open = this.alerts.find((a) => a.alias === alias && alias && a.status === "open");
    if (open) {
      open.count++;
      open.log.push("create (deduplicated)");
      return this.accepted({ isSuccess: true, status: "Alert deduplicated", action: "Create", alertId: open.id, alias });
    }
    const alert: FakeAlert = {
      id: `${this.name}-alert-${this.alerts.length + 1}`,
      alias: alias || `${this.name}-alert-${this.alerts.length + 1}`,
      status: "open",
      acknowledged: false,
      count: 1,
      message: str(body.message),
      priority: str(body.priority) || "P3",
      notes: [],
      log: ["create"],
    };
    this.alerts.push(alert);
    return this.accepted({ isSuccess: true, status: "Created alert", action: "Create", alertId: alert.id, alias: alert.alias });
  }

  private list(request: FakeRequest): FakeResponse {
    const alias = /^alias:"((?:[^"\\]|\\.)*)"$/.exec(request.query.get("query") ?? "")?.[1]?.replaceAll('\\"', '"');
    const size = Number(request.query.get("size") ?? request.query.get("limit") ?? 20);
    const found = this.alerts
      .filter((a) => alias === undefined || a.alias === alias)
      .sort((a, b) => Number(b.status === "open") - Number(a.status === "open"))
      .slice(0, size)
      .map((a) => ({ id: a.id, alias: a.alias, status: a.status, acknowledged: a.acknowledged, count: a.count }));
    return this.name === "jsm" ? json(200, { values: found, count: found.length }) : json(200, { data: found, took: 0.01 });
  }

  private requestStatus(requestId: string): FakeResponse {
    const outcome = this.requests.get(requestId);
    if (!outcome || outcome.processAt > Date.now()) {
      return json(404, { message: "Request not found. It might not be processed, yet.", took: 0.01, requestId });
    }
    const { processAt: _processAt, ...status } = outcome;
    return this.name === "jsm" ? json(200, status) : json(200, { data: { ...status, success: status.isSuccess }, took: 0.01 });
  }

  private act(action: string, alert: FakeAlert | undefined, body: Record<string, unknown>): FakeResponse {
    if (!alert) {
      if (this.name === "jsm") return json(404, { message: "Alert not found" });
      return this.accepted({ isSuccess: false, status: "Alert does not exist", action, alertId: "", alias: "" });
    }
    alert.log.push(action);
    const note = str(body.note);
    switch (action) {
      case "acknowledge":
        if (alert.status === "open") alert.acknowledged = true;
        break;
      case "close":
        alert.status = "closed";
        break;
      case "priority":
        alert.priority = str(body.priority) || alert.priority;
        break;
      case "message":
        alert.message = str(body.message) || alert.message;
        break;
    }
    if (note && action !== "priority" && action !== "message" && action !== "description") alert.notes.push(note);
    return this.accepted({ isSuccess: true, status: `${action} processed`, action, alertId: alert.id, alias: alert.alias });
  }

  describe(): string {
    const list = this.alerts
      .map(
        (a) => `${a.id}[${a.status}${a.acknowledged ? ", acked" : ""}, count ${a.count}, ${a.priority}, ${a.notes.length} notes]`,
      )
      .join(" ");
    return `${this.alerts.length} alert(s) ${list}`;
  }
}
