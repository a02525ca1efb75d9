// Contract test of bot-token mode against Slack's own Web API description, served by Prism
// (src/testing/prism.ts) in --errors mode: any request Slack's spec forbids is a recorded violation.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { systemClock } from "../../core/clock.ts";
import { approvalRequestText } from "../../core/remediation.ts";
import { CONTRACT_TIMEOUT_MS, runConnectorContract, sampleRequest, ticketFrom } from "../../testing/connector-contract-suite.ts";
import { type PrismMock, startPrism } from "../../testing/prism.ts";
import { type RecordingHttp, recordingHttp } from "../../testing/recording-http.ts";
import { locateSpec } from "../../testing/specs.ts";
import type { DeliveryResult } from "../connector.ts";
import { SlackConnector } from "./slack-connector.ts";

const SPEC = locateSpec("slack/slack_web_openapi_v2.prism-patched.json");
const TOKEN = "xoxb-contract-1234567890-abcdefSECRET";
const CHANNEL = "C0INCIDENTS";

let prism: PrismMock | null = null;

function connect(recorder: RecordingHttp): SlackConnector {
  if (!prism) throw new Error("Prism is not running");
  return new SlackConnector(
    { mode: "bot", botToken: TOKEN, channel: CHANNEL, apiBaseUrl: prism.baseUrl },
    { http: recorder.http, clock: systemClock, timeoutMs: CONTRACT_TIMEOUT_MS },
  );
}

async function startMock(): Promise<void> {
  prism ??= await startPrism(SPEC.path, { dynamic: true });
}

async function stopMock(): Promise<void> {
  await prism?.stop();
  prism = null;
}

if (SPEC.skip) {
  describe("slack connector contract (Prism)", { skip: SPEC.skip }, () => {});
} else {
  runConnectorContract({
    name: "slack (bot token, Prism)",
    secrets: [TOKEN],
    setup: startMock,
    teardown: stopMock,
    connect: async () => {
      const recorder = recordingHttp();
      return {
        connector: connect(recorder),
        failNext: (failure) => {
          switch (failure.kind) {
            case "rate-limited":
              return recorder.script({
                status: 429,
                headers: { "retry-after": String(failure.retryAfterSeconds), "content-type": "application/json" },
                body: '{"ok":false,"error":"ratelimited"}',
              });
            case "server-error":
              return recorder.script({ status: 500, body: "<html>Internal Server Error</html>" });
            case "unauthorized":
              return recorder.script({ status: 401, body: '{"ok":false,"error":"invalid_auth"}' });
            case "timeout":
              return recorder.script({ hang: true });
          }
        },
        received: () => recorder.exchanges.length,
        violations: () => recorder.violations(),
        close: async () => {},
      };
    },
  });

  describe("slack bot mode against Slack's API description", () => {
    before(startMock);
    after(stopMock);

    it("the mock refuses a request the spec forbids (the harness can fail)", async () => {
      const recorder = recordingHttp();
      await recorder.http(`${prism?.baseUrl}/chat.postMessage`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ text: "no channel, and JSON the spec does not accept" }),
      });
      assert.ok(recorder.violations().length > 0, "Prism reported no violation for an invalid request");
    });

    it("threads a change under the root message and re-renders the root, within the spec", async () => {
      const recorder = recordingHttp();
      const connector = connect(recorder);
      const created = await connector.deliver(sampleRequest("create"));
      assert.ok(created.kind === "delivered" && created.ticket, JSON.stringify(created));
      const { channel, ts } = created.ticket.meta as { channel: string; ts: string };
      assert.equal(created.ticket.externalId, `${channel}:${ts}`);

      const resolved = await connector.deliver(sampleRequest("resolve", ticketFrom(created.ticket, "slack")));
      assert.deepEqual(resolved, { kind: "delivered" });
      assert.deepEqual(recorder.violations(), []);

      const [post, update, reply] = recorder.exchanges;
      assert.equal(recorder.exchanges.length, 3);
      assert.ok(post && update && reply);
      assert.equal(new URL(update.url).pathname, "/chat.update");
      const updateForm = new URLSearchParams(update.body);
      assert.equal(updateForm.get("channel"), channel);
      assert.equal(updateForm.get("ts"), ts);
      assert.match(updateForm.get("text") ?? "", /Resolved/);
      const replyForm = new URLSearchParams(reply.body);
      assert.equal(new URL(reply.url).pathname, "/chat.postMessage");
      assert.equal(replyForm.get("thread_ts"), ts);
      assert.match(replyForm.get("text") ?? "", /contract check: resolve/);
      for (const exchange of recorder.exchanges) {
        assert.equal(exchange.headers.authorization, `Bearer ${TOKEN}`);
        assert.match(exchange.headers["content-type"] ?? "", /^application\/x-www-form-urlencoded/);
      }
      const blocks = JSON.parse(new URLSearchParams(post.body).get("blocks") ?? "[]") as { type: string }[];
      assert.equal(blocks[0]?.type, "header");
    });

    it("a remediation run awaiting approval gets Approve and Reject buttons in its thread reply, within the spec", async () => {
      const recorder = recordingHttp();
      const connector = connect(recorder);
      const created = await connector.deliver(sampleRequest("create"));
      assert.ok(created.kind === "delivered" && created.ticket, JSON.stringify(created));
      const note = {
        ...sampleRequest("comment", ticketFrom(created.ticket, "slack")),
        detail: approvalRequestText("reset-pool", "01JRUN0000000000000000000A", "POST http://cart/admin/reset", "no runs yet"),
      };
      assert.deepEqual(await connector.deliver(note), { kind: "delivered" });
      assert.deepEqual(recorder.violations(), []);
      const reply = new URLSearchParams(recorder.exchanges.at(-1)?.body ?? "");
      const blocks = JSON.parse(reply.get("blocks") ?? "[]") as { type: string; elements?: Record<string, unknown>[] }[];
      assert.deepEqual(
        blocks.map((b) => b.type),
        ["section", "actions"],
      );
      assert.deepEqual(
        blocks[1]?.elements?.map((e) => [e.action_id, e.value]),
        [
          ["sluice_remediation_approve", "remediation:approve:01JRUN0000000000000000000A"],
          ["sluice_remediation_reject", "remediation:reject:01JRUN0000000000000000000A"],
        ],
      );
    });

    const okFalse: [string, DeliveryResult["kind"], string | null][] = [
      ["ratelimited", "retryable", null],
      ["invalid_auth", "permanent", "credentials"],
      ["not_authed", "permanent", "credentials"],
      ["account_inactive", "permanent", "credentials"],
      ["token_revoked", "permanent", "credentials"],
      ["missing_scope", "permanent", "credentials"],
      ["channel_not_found", "permanent", "configuration"],
      ["not_in_channel", "permanent", "configuration"],
      ["msg_too_long", "permanent", "rejected"],
      ["fatal_error", "retryable", null],
    ];
    for (const [error, kind, category] of okFalse) {
      it(`HTTP 200 {ok:false,error:"${error}"} is ${category ?? kind}`, async () => {
        const recorder = recordingHttp();
        recorder.script({
          status: 200,
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ ok: false, error }),
        });
        const result = await connect(recorder).deliver(sampleRequest("create"));
        assert.equal(result.kind, kind, JSON.stringify(result));
        if (result.kind === "permanent") {
          assert.equal(result.category, category);
          assert.match(result.reason, new RegExp(error));
        }
        if (error === "ratelimited") assert.ok(result.kind === "retryable" && (result.retryAfterMs ?? 0) > 0);
        assert.ok(!JSON.stringify(result).includes(TOKEN));
        assert.deepEqual(recorder.violations(), []);
      });
    }

    it("testConnection calls auth.test and reports the identity", async () => {
      const recorder = recordingHttp();
      const check = await connect(recorder).testConnection();
      assert.equal(check.ok, true, check.detail);
      assert.equal(recorder.exchanges.length, 1);
      assert.equal(new URL(recorder.exchanges[0]?.url ?? "").pathname, "/auth.test");
      assert.deepEqual(recorder.violations(), []);
    });
  });
}
