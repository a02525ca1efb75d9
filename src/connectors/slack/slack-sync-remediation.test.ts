// Slack's Approve / Reject buttons on a remediation run awaiting approval, end to end: a whole Sluice with the
// real Slack connector over a fake Slack Web API, a suggest-mode playbook, and signed interaction callbacks.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import pino from "pino";
import { parseConfig } from "../../config/loader.ts";
import { ManualClock } from "../../core/clock.ts";
import { createSluice } from "../../main.ts";
import { anomalyEvent } from "../../testing/in-memory-sluice.ts";
import type { HttpClient } from "../connector.ts";
import { SIGNATURE_HEADER, SlackSync, slackSignature, TIMESTAMP_HEADER } from "./slack-sync.ts";

const SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const RESPONSE_URL = "https://hooks.slack.com/actions/T0CAG/548261231/0CA5AbCdEfGh";

interface Call {
  url: string;
  body: string;
}

function fakeWorld() {
  const calls: Call[] = [];
  let next = 1;
  const json = (body: unknown) => new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });
  const http: HttpClient = async (url, init) => {
    const body = typeof init.body === "string" ? init.body : "";
    calls.push({ url, body });
    const { host, pathname } = new URL(url);
    if (host === "slack.test" && pathname.endsWith("/chat.postMessage"))
      return json({ ok: true, channel: "C0CA5", ts: `1736933400.${String(next++).padStart(6, "0")}`, message: { text: "" } });
    if (host === "slack.test") return json({ ok: true, channel: "C0CA5", ts: "x", message: { text: "" } });
    return new Response("ok");
  };
  return { calls, http };
}

/** The documented block_actions interaction, pressing a button of the thread reply `reply` under `root`. */
function interaction(actionId: string, value: string, root: string, reply: string, user = "amy.mcgee") {
  const text = readFileSync(new URL("./fixtures/interaction-block-actions.json", import.meta.url), "utf8");
  const body = JSON.parse(text.replace("__VALUE__", value));
  body.user.username = user;
  body.container.message_ts = reply;
  body.message = { ...body.message, ts: reply, thread_ts: root, text: "playbook suggests" };
  body.actions[0].action_id = actionId;
  body.actions[0].block_id = "sluice_remediation";
  return new URLSearchParams({ payload: JSON.stringify(body) }).toString();
}

describe("slack Approve / Reject buttons of a remediation run", async () => {
  const clock = new ManualClock(Date.now());
  const world = fakeWorld();
  const { config } = parseConfig(
    {
      slack: {
        enabled: true,
        botToken: "xoxb-test-0000-SECRET",
        channel: "C0CA5",
        apiBaseUrl: "https://slack.test/api",
        signingSecret: SIGNING_SECRET,
      },
      routing: { critical: ["slack"], high: ["slack"] },
      remediation: {
        playbooks: ["cart", "orders"].map((service) => ({
          name: `reset-${service}`,
          match: { service, pattern: "*pool exhausted*" },
          action: { kind: "http", url: "https://target.test/admin/{{service}}/reset" },
          verify: { quietFor: "1m", within: "5m" },
          mode: { "*": "suggest" },
        })),
      },
    },
    {},
    process.cwd(),
    "test",
  );
  const sluice = await createSluice(config, {
    clock,
    http: world.http,
    dataDir: ":memory:",
    processMetrics: false,
    logger: pino({ level: "silent" }),
  });
  after(() => sluice.close());

  const press = (body: string, secret = SIGNING_SECRET) => {
    const at = Math.floor(clock.now() / 1000);
    return sluice.server.inject({
      method: "POST",
      url: "/api/v1/sync/slack",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        [TIMESTAMP_HEADER]: String(at),
        [SIGNATURE_HEADER]: slackSignature(secret, at, body),
      },
      payload: body,
    });
  };
  const runOf = async (service: string) => (await sluice.store.remediations.list({ service, limit: 5 }))[0];
  /** The incident's thread reply carrying the buttons, and its root. */
  const buttonsFor = (runId: string) => {
    for (const call of world.calls) {
      const form = new URLSearchParams(call.body);
      const blocks = JSON.parse(form.get("blocks") ?? "[]") as { type: string; elements?: { value: string }[] }[];
      const actions = blocks.find((b) => b.type === "actions" && b.elements?.some((e) => e.value.endsWith(runId)));
      if (actions && form.get("thread_ts")) return { root: form.get("thread_ts") ?? "", values: actions.elements ?? [] };
    }
    return null;
  };
  const answers = () => world.calls.filter((c) => c.url === RESPONSE_URL).map((c) => JSON.parse(c.body));
  const targetCalls = () => world.calls.filter((c) => new URL(c.url).host === "target.test");

  before(async () => {
    for (const service of ["cart", "orders"]) {
      const sent = await sluice.server.inject({
        method: "POST",
        url: "/api/v1/signals",
        payload: anomalyEvent({ service, error_message: "connection pool exhausted" }),
      });
      assert.equal(sent.statusCode, 202, sent.body);
    }
    await sluice.remediator?.flush();
    await sluice.worker.flush();
  });

  it("renders Approve and Reject on the run's thread reply; a bad signature approves nothing", async () => {
    const run = await runOf("cart");
    assert.equal(run?.state, "awaiting-approval");
    const buttons = buttonsFor(run?.id ?? "");
    assert.ok(buttons, "no thread reply with the run's buttons was posted");
    assert.deepEqual(
      buttons.values.map((e) => e.value),
      [`remediation:approve:${run?.id}`, `remediation:reject:${run?.id}`],
    );
    const body = interaction("sluice_remediation_approve", `remediation:approve:${run?.id}`, buttons.root, "1736933400.999999");
    const forged = await press(body, "not-the-signing-secret");
    assert.equal(forged.statusCode, 401);
    assert.equal((await runOf("cart"))?.state, "awaiting-approval");
    assert.deepEqual(answers(), []);
  });

  it("approves once from Slack as slack:<user>, answers Slack, and a replayed click approves nothing more", async () => {
    const run = await runOf("cart");
    const root = buttonsFor(run?.id ?? "")?.root ?? "";
    const body = interaction("sluice_remediation_approve", `remediation:approve:${run?.id}`, root, "1736933400.999999");
    const approved = await press(body);
    assert.equal(approved.statusCode, 200, approved.body);
    assert.deepEqual(approved.json().outcomes, [{ result: "applied", incident: "INC-1" }]);
    const after = await runOf("cart");
    assert.deepEqual([after?.state, after?.approvedBy], ["matched", "slack:amy.mcgee"]);
    assert.equal(answers()[0]?.replace_original, true);
    assert.match(answers()[0]?.text ?? "", /Approved\* by amy\.mcgee/);

    // A second signature over the same click (a replay re-signed a second later, or a second replica).
    clock.advance(1000);
    const replayed = await press(
      interaction("sluice_remediation_approve", `remediation:approve:${run?.id}`, root, "1736933400.999999", "bob"),
    );
    assert.equal(replayed.statusCode, 200);
    assert.equal(replayed.json().outcomes[0].result, "ignored");
    assert.match(replayed.json().outcomes[0].why, /not awaiting approval/);
    assert.deepEqual([answers()[1]?.response_type, answers()[1]?.replace_original], ["ephemeral", false]);
    assert.match(answers()[1]?.text ?? "", /^Nothing was approved: not awaiting approval/);
    assert.equal((await runOf("cart"))?.approvedBy, "slack:amy.mcgee");

    await sluice.remediator?.flush();
    assert.equal(targetCalls().length, 1, "the approved action runs exactly once");
    assert.equal((await runOf("cart"))?.state, "verifying");
    const timeline = await sluice.store.incidents.timeline(run?.incidentId ?? "");
    assert.equal(timeline.filter((e) => / approved playbook reset-cart/.test(e.detail)).length, 1);
  });

  it("refuses a button naming another incident's run, then rejects with a reason; nothing runs", async () => {
    const cart = await runOf("cart");
    const orders = await runOf("orders");
    assert.equal(orders?.state, "awaiting-approval");
    const root = buttonsFor(orders?.id ?? "")?.root ?? "";
    const cartRoot = buttonsFor(cart?.id ?? "")?.root ?? "";
    assert.notEqual(root, cartRoot);
    // The orders run's button pressed as if on the cart incident's thread.
    const crossed = await press(
      interaction("sluice_remediation_reject", `remediation:reject:${orders?.id}`, cartRoot, "1736933400.999998"),
    );
    assert.equal(crossed.json().outcomes[0].result, "ignored");
    assert.equal((await runOf("orders"))?.state, "awaiting-approval");

    clock.advance(1000);
    const rejected = await press(
      interaction("sluice_remediation_reject", `remediation:reject:${orders?.id}`, root, "1736933400.999997"),
    );
    assert.deepEqual(rejected.json().outcomes, [{ result: "applied", incident: "INC-2" }]);
    const run = await runOf("orders");
    assert.equal(run?.state, "rejected");
    assert.equal(run?.detail, "rejected by slack:amy.mcgee: with the Slack button");
    assert.match(answers().at(-1)?.text ?? "", /Rejected\* by amy\.mcgee: nothing runs/);
    await sluice.remediator?.flush();
    assert.ok(
      targetCalls().every((c) => c.url.includes("/cart/")),
      "the rejected playbook never called its target",
    );
  });
});

describe("slack sync: remediation buttons", () => {
  const clock = new ManualClock(Date.now());
  const handler = new SlackSync(SIGNING_SECRET, clock);
  const parse = (body: string) => handler.parse({ headers: {}, rawBody: Buffer.from(body), now: clock.now() });

  it("maps Approve / Reject to the run and the thread's root message; mismatched or foreign values are ignored", () => {
    const [event] = parse(interaction("sluice_remediation_approve", "remediation:approve:01JRUN0A", "111.000001", "111.000002"));
    assert.deepEqual(event?.ticketRef, { externalId: "C0CA5:111.000001" });
    assert.deepEqual(event?.change, { remediation: "approve", runId: "01JRUN0A" });
    assert.equal(event?.user, "amy.mcgee");
    assert.deepEqual(parse(interaction("sluice_remediation_reject", "remediation:reject:01JRUN0A", "1.1", "1.2"))[0]?.change, {
      remediation: "reject",
      runId: "01JRUN0A",
      reason: "with the Slack button",
    });
    // The action id and the value must agree, and the value must name a run.
    assert.deepEqual(parse(interaction("sluice_remediation_approve", "remediation:reject:01JRUN0A", "1.1", "1.2")), []);
    assert.deepEqual(parse(interaction("sluice_remediation_approve", "remediation:approve:../x", "1.1", "1.2")), []);
    assert.deepEqual(parse(interaction("sluice_remediation_pause", "remediation:pause:01JRUN0A", "1.1", "1.2")), []);
  });
});

describe("slack sync: slack.approvers", () => {
  const clock = new ManualClock(Date.now());
  const posted: unknown[] = [];
  const http: HttpClient = async (url, init) => {
    posted.push({ url, body: JSON.parse(String(init.body)) });
    return new Response("ok");
  };
  // The fixture's clicking user is U0CA5 (amy.mcgee).
  const only = (approvers: string[]) => new SlackSync(SIGNING_SECRET, clock, http, approvers);
  const request = (body: string) => ({ headers: {}, rawBody: Buffer.from(body), now: clock.now() });
  const click = interaction("sluice_remediation_approve", "remediation:approve:01JRUN0A", "1.1", "1.2");
  const withResponseUrl = (body: string) => {
    const payload = JSON.parse(new URLSearchParams(body).get("payload") ?? "{}");
    payload.response_url = RESPONSE_URL;
    return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  };

  it("lets a listed approver decide", () => {
    const [event] = only(["U0CA5"]).parse(request(click));
    assert.deepEqual(event?.change, { remediation: "approve", runId: "01JRUN0A" });
  });

  it("turns anyone else's Approve or Reject into no decision at all, and tells them why", async () => {
    const handler = only(["U0OTHER1"]);
    assert.deepEqual(handler.parse(request(click)), []);
    const reject = interaction("sluice_remediation_reject", "remediation:reject:01JRUN0A", "1.1", "1.2");
    assert.deepEqual(handler.parse(request(reject)), []);
    await handler.answer(request(withResponseUrl(click)), []);
    assert.deepEqual(posted, [
      {
        url: RESPONSE_URL,
        body: {
          response_type: "ephemeral",
          replace_original: false,
          text: "Nothing was decided: you are not one of this Sluice's Slack approvers (slack.approvers). Ask an approver, or a responder can decide through the API.",
        },
      },
    ]);
  });

  it("does not restrict the lifecycle buttons", () => {
    const ack = interaction("sluice_acknowledge", "sluice-INC1-slack", "1.1", "1.2");
    assert.deepEqual(only(["U0OTHER1"]).parse(request(ack))[0]?.change, { action: "acknowledge" });
  });
});
