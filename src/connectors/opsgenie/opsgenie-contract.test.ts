// Contract test against Opsgenie's own API description, served by Prism (--errors): every request the
// spec forbids is a recorded violation. JSM Ops has no published description in ../shared/specs.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { systemClock } from "../../core/clock.ts";
import { CONTRACT_TIMEOUT_MS, runConnectorContract, sampleRequest, ticketFrom } from "../../testing/connector-contract-suite.ts";
import { type PrismMock, startPrism } from "../../testing/prism.ts";
import { type RecordingHttp, recordingHttp } from "../../testing/recording-http.ts";
import { scriptedFailures } from "../../testing/scripted-failures.ts";
import { locateSpec } from "../../testing/specs.ts";
import { OpsgenieConnector } from "./opsgenie-connector.ts";

const SPEC = locateSpec("opsgenie/opsgenie-swagger.prism-patched.json");
const API_KEY = "0psg3n1e-SECRET-KEY-contract";

let prism: PrismMock | null = null;

function connect(recorder: RecordingHttp): OpsgenieConnector {
  if (!prism) throw new Error("Prism is not running");
  return new OpsgenieConnector(
    {
      flavour: "opsgenie",
      baseUrl: prism.baseUrl,
      authorization: `GenieKey ${API_KEY}`,
      secrets: [API_KEY],
      responders: [{ type: "team", name: "payments" }],
      escalation: { type: "escalation", name: "payments-escalation" },
      tags: ["tier-1"],
      requestStatusAttempts: 2,
      requestStatusDelayMs: 0,
      templates: {},
    },
    { http: recorder.http, clock: systemClock, timeoutMs: CONTRACT_TIMEOUT_MS },
  );
}

async function startMock(): Promise<void> {
  prism ??= await startPrism(SPEC.path);
}

async function stopMock(): Promise<void> {
  await prism?.stop();
  prism = null;
}

if (SPEC.skip) {
  describe("opsgenie connector contract (Prism)", { skip: SPEC.skip }, () => {});
} else {
  runConnectorContract({
    name: "opsgenie (Prism)",
    secrets: [API_KEY],
    setup: startMock,
    teardown: stopMock,
    connect: async () => {
      const recorder = recordingHttp();
      return {
        connector: connect(recorder),
        failNext: scriptedFailures((answer) => recorder.script(answer), {
          rateLimited: {
            headers: { "content-type": "application/json" },
            body: '{"message":"You are making too many requests!","took":0.0,"requestId":"r-429"}',
          },
          serverError: { body: '{"message":"Internal Server Error","took":0.0,"requestId":"r-500"}' },
          unauthorized: { body: '{"message":"Key format is not valid!","took":0.0,"requestId":"r-401"}' },
        }),
        received: () => recorder.exchanges.length,
        violations: () => recorder.violations(),
        close: async () => {},
      };
    },
  });

  describe("opsgenie against Opsgenie's API description", () => {
    before(startMock);
    after(stopMock);

    it("the mock refuses a request the spec forbids (the harness can fail)", async () => {
      const recorder = recordingHttp();
      await recorder.http(`${prism?.baseUrl}/v2/alerts`, {
        method: "POST",
        headers: { authorization: `GenieKey ${API_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ alias: "no message", priority: "P9" }),
      });
      assert.ok(recorder.violations().length > 0, "Prism reported no violation for an invalid alert");
    });

    it("a JSM Ops escalate sends the body Opsgenie's escalate schema takes (JSM Ops keeps Opsgenie's alert API)", async () => {
      // JSM Ops publishes no description: its /v1/alerts/{id}/<action> calls are checked against Opsgenie's
      // /v2/alerts/{identifier}/<action>?identifierType=id, the API it took over.
      const recorder = recordingHttp((url, init) =>
        fetch(url.replace("/v1/alerts/", "/v2/alerts/").replace(/\/escalate$/, "/escalate?identifierType=id"), init),
      );
      const connector = new OpsgenieConnector(
        {
          flavour: "jsm",
          baseUrl: prism?.baseUrl ?? "",
          authorization: `Basic ${Buffer.from(`ops@example.com:${API_KEY}`).toString("base64")}`,
          secrets: [API_KEY],
          responders: [{ type: "team", id: "4513b7ea-3b91-438f-b7e4-e3e54af9147c" }],
          escalation: { type: "escalation", id: "9bd0ee8e-53b4-4f0c-9bd8-0e1a0f5eb3a4" },
          tags: [],
          requestStatusAttempts: 2,
          requestStatusDelayMs: 0,
          templates: {},
        },
        { http: recorder.http, clock: systemClock, timeoutMs: CONTRACT_TIMEOUT_MS },
      );
      const ticket = ticketFrom({ externalId: "alert-1", url: null, meta: { alias: "k", alertId: "alert-1" } }, "jsm");
      const result = await connector.deliver(sampleRequest("escalate", ticket));
      assert.equal(result.kind, "delivered", JSON.stringify(result));
      assert.deepEqual(
        recorder.exchanges.map((e) => `${e.method} ${new URL(e.url).pathname}`),
        ["POST /v1/alerts/alert-1/escalate"],
      );
      assert.deepEqual(JSON.parse(recorder.exchanges[0]?.body ?? "").escalation, {
        type: "escalation",
        id: "9bd0ee8e-53b4-4f0c-9bd8-0e1a0f5eb3a4",
      });
      assert.deepEqual(recorder.violations(), []);
    });

    it("drives one alert through its life by alias and follows the create's request id", async () => {
      const recorder = recordingHttp();
      const connector = connect(recorder);
      const created = await connector.deliver(sampleRequest("create"));
      assert.ok(created.kind === "delivered" && created.ticket, JSON.stringify(created));
      const ticket = ticketFrom(created.ticket, "opsgenie");
      assert.equal(ticket.meta.alias, sampleRequest("create").idempotencyKey);
      for (const action of ["update", "acknowledge", "comment", "escalate", "resolve", "reopen"] as const) {
        const result = await connector.deliver(sampleRequest(action, ticket));
        assert.equal(result.kind, "delivered", `${action}: ${JSON.stringify(result)}`);
      }
      assert.deepEqual(recorder.violations(), []);
      const calls = recorder.exchanges.map((e) => `${e.method} ${new URL(e.url).pathname}${new URL(e.url).search}`);
      const alias = encodeURIComponent(String(ticket.meta.alias));
      assert.equal(calls[0], "POST /v2/alerts");
      assert.match(calls[1] ?? "", /^GET \/v2\/alerts\/requests\//);
      for (const expected of [
        `PUT /v2/alerts/${alias}/message?identifierType=alias`,
        `PUT /v2/alerts/${alias}/priority?identifierType=alias`,
        `POST /v2/alerts/${alias}/acknowledge?identifierType=alias`,
        `POST /v2/alerts/${alias}/notes?identifierType=alias`,
        `POST /v2/alerts/${alias}/escalate?identifierType=alias`,
        `POST /v2/alerts/${alias}/close?identifierType=alias`,
      ]) {
        assert.ok(calls.includes(expected), `${expected} missing from ${calls.join(", ")}`);
      }
      const body = JSON.parse(recorder.exchanges[0]?.body ?? "{}") as Record<string, unknown>;
      assert.deepEqual(body.responders, [{ type: "team", name: "payments" }]);
      assert.equal(body.priority, "P1");
      assert.equal(body.source, "sluice");
      assert.equal(recorder.exchanges[0]?.headers.authorization, `GenieKey ${API_KEY}`);
    });

    it("an asynchronous failure (isSuccess:false) is rejected with Opsgenie's status text", async () => {
      const recorder = recordingHttp();
      recorder.script(
        {
          status: 202,
          headers: { "content-type": "application/json" },
          body: '{"result":"Request will be processed","took":0.1,"requestId":"r-1"}',
        },
        {
          status: 200,
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            data: { success: false, isSuccess: false, action: "Create", status: "Team [payments] does not exist" },
            took: 0.0,
            requestId: "r-2",
          }),
        },
      );
      const result = await connect(recorder).deliver(sampleRequest("create"));
      assert.deepEqual(result, {
        kind: "permanent",
        category: "rejected",
        reason: "Opsgenie failed the request asynchronously: Team [payments] does not exist",
      });
      assert.deepEqual(recorder.violations(), []);
    });

    it("a request still processing (404) is retried later", async () => {
      const recorder = recordingHttp();
      const notYet = {
        status: 404,
        headers: { "content-type": "application/json" },
        body: '{"message":"Request not found","took":0.0,"requestId":"r"}',
      };
      recorder.script(
        {
          status: 202,
          headers: { "content-type": "application/json" },
          body: '{"result":"Request will be processed","took":0.1,"requestId":"r-1"}',
        },
        notYet,
        notYet,
      );
      const result = await connect(recorder).deliver(sampleRequest("create"));
      assert.equal(result.kind, "retryable", JSON.stringify(result));
      assert.equal(recorder.exchanges.length, 3);
    });

    it("a 422 is rejected with Opsgenie's message", async () => {
      const recorder = recordingHttp();
      recorder.script({
        status: 422,
        headers: { "content-type": "application/json" },
        body: '{"message":"Message can not be empty.","took":0.0,"requestId":"r-422"}',
      });
      assert.deepEqual(await connect(recorder).deliver(sampleRequest("create")), {
        kind: "permanent",
        category: "rejected",
        reason: "Opsgenie answered HTTP 422: Message can not be empty.",
      });
    });

    it("testConnection lists one alert", async () => {
      const recorder = recordingHttp();
      const check = await connect(recorder).testConnection();
      assert.equal(check.ok, true, check.detail);
      assert.deepEqual(recorder.violations(), []);
      assert.equal(recorder.exchanges[0]?.method, "GET");
    });
  });
}
