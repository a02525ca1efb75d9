// Contract test against the ServiceNow Table API description (../shared/specs/servicenow), served by
// Prism in --errors mode: any request the description forbids is a recorded violation. Prism's own
// answers are static ("sys_id": "string", a search that always hits), so a small overlay gives them
// state: Prism still sees and validates every request, and its refusals pass through unchanged.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { systemClock } from "../../core/clock.ts";
import { CONTRACT_TIMEOUT_MS, runConnectorContract, sampleRequest, ticketFrom } from "../../testing/connector-contract-suite.ts";
import { type PrismMock, startPrism } from "../../testing/prism.ts";
import { type RecordingHttp, recordingHttp } from "../../testing/recording-http.ts";
import { scriptedFailures } from "../../testing/scripted-failures.ts";
import { locateSpec } from "../../testing/specs.ts";
import type { HttpClient } from "../connector.ts";
import { ServiceNowConnector, type ServiceNowSettings } from "./servicenow-connector.ts";

const SPEC = locateSpec("servicenow/servicenow-table-incident.derived.openapi.yaml");
const PASSWORD = "contract-PASSWORD-0123456789";
const TOKEN = "contract-OAUTH-TOKEN-0123456789";

let prism: PrismMock | null = null;

/** Prism plus incident state: creates are remembered, searches and updates answer from them. */
function statefulInstance(): { http: HttpClient; records: Map<string, Record<string, string>> } {
  const records = new Map<string, Record<string, string>>();
  const http: HttpClient = async (url, init) => {
    const real = await fetch(url, init);
    const text = await real.text();
    const headers = new Headers(real.headers);
    headers.delete("content-length");
    if (!real.ok || headers.has("sl-violations")) return new Response(text, { status: real.status, headers });
    const { pathname, searchParams } = new URL(url);
    const body = init.body ? (JSON.parse(String(init.body)) as Record<string, string>) : {};
    let answer: unknown;
    if (init.method === "POST") {
      const record = {
        ...body,
        sys_id: randomBytes(16).toString("hex"),
        number: `INC00${10_000 + records.size + 1}`,
        state: "1",
      };
      records.set(body.correlation_id ?? record.sys_id, record);
      answer = { result: record };
    } else if (init.method === "PATCH") {
      const record = [...records.values()].find((r) => pathname.endsWith(`/${r.sys_id}`));
      if (!record)
        return Response.json({ error: { message: "No Record found", detail: "" }, status: "failure" }, { status: 404 });
      Object.assign(record, body);
      answer = { result: record };
    } else {
      const query = searchParams.get("sysparm_query");
      const key = query?.match(/^correlation_id=(.*)\^active=true$/)?.[1];
      const hit = key === undefined ? [...records.values()][0] : records.get(key);
      const active = hit && !["6", "7", "8"].includes(hit.state ?? "");
      answer = { result: active || (key === undefined && hit) ? [{ sys_id: hit?.sys_id, number: hit?.number }] : [] };
    }
    headers.set("content-type", "application/json");
    return new Response(JSON.stringify(answer), { status: real.status, headers });
  };
  return { http, records };
}

function settings(auth: ServiceNowSettings["auth"]): ServiceNowSettings {
  if (!prism) throw new Error("Prism is not running");
  return {
    baseUrl: prism.baseUrl,
    auth,
    assignmentGroup: "287ebd7da9fe198100f92cc8d1d2154e",
    cmdbCi: "281190e3c0a8000b003f593aa3f20ca6",
    callerId: "6816f79cc0a8016401c5a33be04be441",
    category: "software",
    closeCode: "Solved (Permanently)",
    reopenState: "2",
    templates: {},
  };
}

function connect(
  recorder: RecordingHttp,
  auth: ServiceNowSettings["auth"] = { kind: "basic", username: "sluice", password: PASSWORD },
) {
  return new ServiceNowConnector(settings(auth), { http: recorder.http, clock: systemClock, timeoutMs: CONTRACT_TIMEOUT_MS });
}

async function startMock(): Promise<void> {
  prism ??= await startPrism(SPEC.path);
}

async function stopMock(): Promise<void> {
  await prism?.stop();
  prism = null;
}

if (SPEC.skip) {
  describe("servicenow connector contract (Prism)", { skip: SPEC.skip }, () => {});
} else {
  runConnectorContract({
    name: "servicenow (Table API, Prism)",
    secrets: [PASSWORD, Buffer.from(`sluice:${PASSWORD}`).toString("base64")],
    setup: startMock,
    teardown: stopMock,
    connect: async () => {
      const recorder = recordingHttp(statefulInstance().http);
      return {
        connector: connect(recorder),
        failNext: scriptedFailures((answer) => recorder.script(answer), {
          rateLimited: { headers: { "content-type": "application/json" }, body: snError("Rate limit exceeded") },
          serverError: { body: "<html>Internal Server Error</html>" },
          unauthorized: { headers: { "content-type": "application/json" }, body: snError("User Not Authenticated") },
        }),
        received: () => recorder.exchanges.length,
        violations: () => recorder.violations(),
        close: async () => {},
      };
    },
  });

  describe("servicenow against the Table API description", () => {
    before(startMock);
    after(stopMock);

    it("the mock refuses a request the description forbids (the harness can fail)", async () => {
      const recorder = recordingHttp(statefulInstance().http);
      await recorder.http(`${prism?.baseUrl}/api/now/table/incident`, {
        method: "POST",
        headers: { authorization: "Basic eDp5", "content-type": "application/json" },
        body: JSON.stringify({ short_description: "", urgency: "0" }),
      });
      assert.ok(recorder.violations().length >= 2, recorder.violations().join("\n"));
    });

    it("drives an incident's whole life within the description, with one create despite a crash", async () => {
      const instance = statefulInstance();
      const recorder = recordingHttp(instance.http);
      const connector = connect(recorder);
      const created = await connector.deliver(sampleRequest("create"));
      assert.ok(created.kind === "delivered" && created.ticket, JSON.stringify(created));
      assert.match(created.ticket.externalId, /^[0-9a-f]{32}$/);
      assert.match(String(created.ticket.meta?.number), /^INC\d+$/);
      // The outbox crashed before storing the ticket: the retry must find the incident, not open another.
      const retried = await connector.deliver(sampleRequest("create"));
      assert.deepEqual(retried, created);
      assert.equal(instance.records.size, 1);

      const ticket = ticketFrom(created.ticket, "servicenow");
      for (const action of ["update", "acknowledge", "comment", "escalate", "resolve", "reopen"] as const) {
        const result = await connector.deliver(sampleRequest(action, ticket));
        assert.deepEqual(result, { kind: "delivered" }, action);
      }
      assert.deepEqual(recorder.violations(), []);
      const record = [...instance.records.values()][0];
      assert.equal(record?.state, "2");
      assert.equal(record?.close_code, "Solved (Permanently)");
      assert.equal(record?.correlation_id, sampleRequest("create").idempotencyKey);
      assert.equal(record?.correlation_display, "Sluice");
      assert.deepEqual(
        recorder.exchanges.map((e) => e.method),
        ["GET", "POST", "GET", "PATCH", "PATCH", "PATCH", "PATCH", "PATCH", "PATCH"],
      );
      for (const exchange of recorder.exchanges) assert.match(exchange.headers.authorization ?? "", /^Basic /);
    });

    it("an escalate reassigns the group and sets the level's urgency and impact within the description", async () => {
      const instance = statefulInstance();
      const recorder = recordingHttp(instance.http);
      const connector = connect(recorder);
      const created = await connector.deliver(sampleRequest("create"));
      assert.ok(created.kind === "delivered" && created.ticket, JSON.stringify(created));
      const ticket = ticketFrom(created.ticket, "servicenow");
      const bySysId = { policy: "payments", level: 1, group: "287ebd7da9fe198100f92cc8d1d2154e", urgency: 1, impact: 1 };
      assert.deepEqual(await connector.deliver({ ...sampleRequest("escalate", ticket), escalation: bySysId }), {
        kind: "delivered",
      });
      const record = [...instance.records.values()][0];
      assert.equal(record?.assignment_group, bySysId.group);
      assert.equal(record?.urgency, "1");
      assert.equal(record?.impact, "1");
      assert.match(
        record?.work_notes ?? "",
        /Reassigned to group 287ebd7da9fe198100f92cc8d1d2154e \(level 1 of policy "payments"\)/,
      );
      // A group named by its display value goes with sysparm_input_display_value, which the description declares.
      const byName = { policy: "payments", level: 2, group: "Network Operations" };
      await connector.deliver({ ...sampleRequest("escalate", ticket), escalation: byName });
      assert.equal(record?.assignment_group, "Network Operations");
      assert.match(recorder.exchanges.at(-1)?.url ?? "", /\?sysparm_input_display_value=true$/);
      assert.deepEqual(recorder.violations(), []);
    });

    it("works with an OAuth bearer token within the description", async () => {
      const recorder = recordingHttp(statefulInstance().http);
      const result = await connect(recorder, { kind: "bearer", token: TOKEN }).deliver(sampleRequest("acknowledge", null));
      assert.equal(result.kind, "delivered", JSON.stringify(result));
      assert.equal(recorder.exchanges[0]?.headers.authorization, `Bearer ${TOKEN}`);
      assert.deepEqual(recorder.violations(), []);
    });

    it("a 400 error envelope becomes a rejection carrying ServiceNow's message", async () => {
      const recorder = recordingHttp(statefulInstance().http);
      recorder.script({
        status: 400,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ error: { message: "Invalid table incidentx", detail: null }, status: "failure" }),
      });
      const result = await connect(recorder).deliver(sampleRequest("create"));
      assert.deepEqual(result, {
        kind: "permanent",
        category: "rejected",
        reason: "ServiceNow correlation_id search failed (HTTP 400): Invalid table incidentx",
      });
      assert.deepEqual(recorder.violations(), []);
    });

    it("testConnection reads one sys_id within the description", async () => {
      const recorder = recordingHttp(statefulInstance().http);
      const check = await connect(recorder).testConnection();
      assert.equal(check.ok, true, check.detail);
      assert.deepEqual(
        recorder.exchanges.map((e) => e.method),
        ["GET"],
      );
      assert.deepEqual(recorder.violations(), []);
    });
  });
}

/** ServiceNow's error body. */
function snError(message: string): string {
  return JSON.stringify({ error: { message, detail: null }, status: "failure" });
}
