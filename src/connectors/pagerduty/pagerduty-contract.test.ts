// Contract test against PagerDuty's own API descriptions, each served by its own Prism (--errors):
// Events API v2 for trigger/acknowledge/resolve, REST API v2 for incident lookup and notes.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { systemClock } from "../../core/clock.ts";
import { CONTRACT_TIMEOUT_MS, runConnectorContract, sampleRequest, ticketFrom } from "../../testing/connector-contract-suite.ts";
import { type PrismMock, startPrism } from "../../testing/prism.ts";
import { type RecordingHttp, recordingHttp } from "../../testing/recording-http.ts";
import { scriptedFailures } from "../../testing/scripted-failures.ts";
import { locateSpec } from "../../testing/specs.ts";
import { PagerDutyConnector, type PagerDutySettings } from "./pagerduty-connector.ts";

const EVENTS_SPEC = locateSpec("pagerduty/events-v2-openapiv3.json");
const REST_SPEC = locateSpec("pagerduty/REST-openapiv3.json");
const ROUTING_KEY = "R0UT1NGKEYSECRET0123456789abcdef";
const API_TOKEN = "u+PDSECRETTOKEN-contract";
const skip = EVENTS_SPEC.skip || REST_SPEC.skip;

let events: PrismMock | null = null;
let rest: PrismMock | null = null;

function connect(recorder: RecordingHttp, overrides: Partial<PagerDutySettings> = {}): PagerDutyConnector {
  if (!events || !rest) throw new Error("Prism is not running");
  return new PagerDutyConnector(
    {
      routingKey: ROUTING_KEY,
      routingKeys: {},
      eventsBaseUrl: events.baseUrl,
      apiBaseUrl: rest.baseUrl,
      apiToken: API_TOKEN,
      fromEmail: "sluice@example.com",
      autoAcknowledge: false,
      templates: {},
      ...overrides,
    },
    { http: recorder.http, clock: systemClock, timeoutMs: CONTRACT_TIMEOUT_MS },
  );
}

async function startMocks(): Promise<void> {
  [events, rest] = await Promise.all([events ?? startPrism(EVENTS_SPEC.path), rest ?? startPrism(REST_SPEC.path)]);
}

async function stopMocks(): Promise<void> {
  await Promise.all([events?.stop(), rest?.stop()]);
  events = null;
  rest = null;
}

function bodies(recorder: RecordingHttp, path: string): Record<string, unknown>[] {
  return recorder.exchanges
    .filter((e) => new URL(e.url).pathname === path && e.method === "POST")
    .map((e) => JSON.parse(e.body) as Record<string, unknown>);
}

if (skip) {
  describe("pagerduty connector contract (Prism)", { skip }, () => {});
} else {
  runConnectorContract({
    name: "pagerduty (Prism)",
    secrets: [ROUTING_KEY, API_TOKEN],
    setup: startMocks,
    teardown: stopMocks,
    connect: async () => {
      const recorder = recordingHttp();
      return {
        connector: connect(recorder),
        failNext: scriptedFailures((answer) => recorder.script(answer), {
          rateLimited: {
            headers: { "content-type": "application/json" },
            body: '{"status":"throttle event","message":"Requests for this service are arriving too quickly."}',
          },
          serverError: { body: "<html>Internal Server Error</html>" },
          unauthorized: { body: '{"error":{"message":"Unauthorized","code":2006}}' },
        }),
        received: () => recorder.exchanges.length,
        violations: () => recorder.violations(),
        close: async () => {},
      };
    },
  });

  describe("pagerduty against PagerDuty's API descriptions", () => {
    before(startMocks);
    after(stopMocks);

    it("the mocks refuse requests the specs forbid (the harness can fail)", async () => {
      const recorder = recordingHttp();
      await recorder.http(`${events?.baseUrl}/enqueue`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ event_action: "explode" }),
      });
      await recorder.http(`${rest?.baseUrl}/incidents/PT4KHLK/notes`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/vnd.pagerduty+json;version=2" },
        body: JSON.stringify({ note: { content: "no From header" } }),
      });
      assert.equal(recorder.exchanges.filter((e) => e.violations.length > 0).length, 2, JSON.stringify(recorder.exchanges));
    });

    it("drives one incident through trigger, acknowledge, note, resolve and reopen with one dedup_key", async () => {
      const recorder = recordingHttp();
      const connector = connect(recorder, { autoAcknowledge: true });
      const created = await connector.deliver(sampleRequest("create"));
      assert.ok(created.kind === "delivered" && created.ticket, JSON.stringify(created));
      let ticket = ticketFrom(created.ticket, "pagerduty");
      for (const action of ["update", "acknowledge", "comment", "escalate", "resolve", "reopen"] as const) {
        const result = await connector.deliver(sampleRequest(action, ticket));
        assert.equal(result.kind, "delivered", `${action}: ${JSON.stringify(result)}`);
        if (result.kind === "delivered" && result.ticket) ticket = ticketFrom(result.ticket, "pagerduty");
        if (action === "comment") assert.equal(ticket.meta.incidentId, "PT4KHLK");
      }
      assert.equal(ticket.meta.incidentId, undefined, "a reopen opens a new PagerDuty incident; the old id must go");
      assert.deepEqual(recorder.violations(), []);

      const sent = bodies(recorder, "/enqueue");
      assert.deepEqual(
        sent.map((e) => e.event_action),
        // The escalate is a REST call (below), not a trigger that would only fold into the open alert.
        ["trigger", "acknowledge", "trigger", "acknowledge", "resolve", "trigger"],
      );
      const escalation = recorder.exchanges.find((e) => e.method === "PUT" && new URL(e.url).pathname === "/incidents/PT4KHLK");
      assert.ok(escalation, "the REST call that moves the escalation level");
      assert.equal(escalation.headers.from, "sluice@example.com");
      assert.deepEqual(JSON.parse(escalation.body), { incident: { type: "incident_reference", escalation_level: 2 } });
      assert.equal(new Set(sent.map((e) => e.dedup_key)).size, 1);
      const note = recorder.exchanges.find((e) => e.url.endsWith("/incidents/PT4KHLK/notes"));
      assert.equal(note?.headers.from, "sluice@example.com");
      assert.equal(note?.headers.authorization, `Token token=${API_TOKEN}`);
      const lookup = recorder.exchanges.find((e) => new URL(e.url).pathname === "/incidents");
      assert.equal(new URL(lookup?.url ?? "http://x").searchParams.get("incident_key"), sent[0]?.dedup_key);
    });

    it("pages with a private or single-label server.publicUrl, leaving out the link PagerDuty would refuse", async () => {
      for (const base of ["http://10.0.0.5:8080", "http://sluice:8080", "http://localhost:8080", "http://192.168.1.20"]) {
        const recorder = recordingHttp();
        const request = { ...sampleRequest("create"), incidentUrl: `${base}/incidents/INC-42` };
        const result = await connect(recorder).deliver(request);
        assert.equal(result.kind, "delivered", `${base}: ${JSON.stringify(result)}`);
        assert.deepEqual(recorder.violations(), [], base);
        const [event] = bodies(recorder, "/enqueue");
        assert.equal(event?.client_url, undefined, base);
        assert.equal(event?.links, undefined, base);
      }
      // A public URL keeps its link.
      const recorder = recordingHttp();
      await connect(recorder).deliver({ ...sampleRequest("create"), incidentUrl: "https://sluice.example.com/incidents/INC-42" });
      assert.equal(bodies(recorder, "/enqueue")[0]?.client_url, "https://sluice.example.com/incidents/INC-42");
      assert.deepEqual(recorder.violations(), []);
    });

    it("a 400 Invalid event is rejected with PagerDuty's message", async () => {
      const recorder = recordingHttp();
      recorder.script({
        status: 400,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          status: "invalid event",
          message: "Event object is invalid",
          errors: ["Length of 'summary' is incorrect"],
        }),
      });
      const result = await connect(recorder).deliver(sampleRequest("create"));
      assert.deepEqual(result, {
        kind: "permanent",
        category: "rejected",
        reason: "PagerDuty rejected the event: Event object is invalid (Length of 'summary' is incorrect)",
      });
      assert.deepEqual(recorder.violations(), []);
    });

    it("testConnection checks the REST token with GET /abilities", async () => {
      const recorder = recordingHttp();
      const check = await connect(recorder).testConnection();
      assert.equal(check.ok, true, check.detail);
      assert.match(check.detail, /REST API token valid \(4 account abilities\)/);
      assert.deepEqual(
        recorder.exchanges.map((e) => [e.method, new URL(e.url).pathname]),
        [["GET", "/abilities"]],
      );
      assert.deepEqual(recorder.violations(), []);
      assert.ok(!check.detail.includes(ROUTING_KEY) && !check.detail.includes(API_TOKEN));
    });
  });
}
