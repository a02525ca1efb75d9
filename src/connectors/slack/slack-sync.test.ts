import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { ManualClock } from "../../core/clock.ts";
import { anomalyEvent, inMemorySluice } from "../../testing/in-memory-sluice.ts";
import type { MemoryConnector } from "../memory/memory-connector.ts";
import { SIGNATURE_HEADER, SlackSync, slackSignature, TIMESTAMP_HEADER } from "./slack-sync.ts";

const SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";

interface Interaction {
  type: string;
  user: Record<string, unknown>;
  actions: Record<string, unknown>[];
}

/** The documented block_actions interaction, pressing `actionId` on a message whose buttons carry `value`. */
function interaction(actionId: string, value: string, edit: (body: Interaction) => void = () => {}) {
  const text = readFileSync(new URL("./fixtures/interaction-block-actions.json", import.meta.url), "utf8");
  const body: Interaction = JSON.parse(text.replace("__VALUE__", value));
  const button = body.actions[0];
  if (button) button.action_id = actionId;
  edit(body);
  return body;
}

/** What Slack posts: form-encoded, the interaction as JSON in `payload`. */
function formBody(payload: unknown): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

function signed(body: string, timestampSeconds: number, secret = SIGNING_SECRET) {
  return {
    "content-type": "application/x-www-form-urlencoded",
    [TIMESTAMP_HEADER]: String(timestampSeconds),
    [SIGNATURE_HEADER]: slackSignature(secret, timestampSeconds, body),
  };
}

describe("slack sync handler", () => {
  const clock = new ManualClock(Date.parse("2026-11-02T10:00:00Z"));
  const handler = new SlackSync(SIGNING_SECRET, clock);
  const now = () => Math.floor(clock.now() / 1000);
  const request = (body: string, headers: Record<string, string>) => ({ headers, rawBody: Buffer.from(body), now: clock.now() });
  const body = formBody(interaction("sluice_acknowledge", "sluice-01JHQZ8X6N7V4W3Y2T1S0R9Q8P-slack"));

  it("matches Slack's documented signing example", () => {
    // api.slack.com/authentication/verifying-requests-from-slack: the worked example.
    const example =
      "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    assert.equal(
      slackSignature(SIGNING_SECRET, 1531420618, example),
      "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
    );
  });

  it("accepts a correct signature inside the five-minute window only", () => {
    assert.ok(handler.verify(request(body, signed(body, now()))));
    assert.ok(!handler.verify(request(body, signed(body, now()))), "the same signed request again, inside the window");
    assert.ok(handler.verify(request(body, signed(body, now() - 299))));
    assert.ok(!handler.verify(request(body, signed(body, now() - 301))), "replayed after the window");
    assert.ok(!handler.verify(request(body, signed(body, now() + 301))), "from the future");
    assert.ok(!handler.verify(request(body, signed(body, now(), "not-the-signing-secret"))));
    assert.ok(!handler.verify(request(`${body}&x=1`, signed(body, now()))), "body changed after signing");
    const headers = signed(body, now());
    assert.ok(!handler.verify(request(body, { ...headers, [TIMESTAMP_HEADER]: String(now() - 1) })), "timestamp swapped");
    assert.ok(!handler.verify(request(body, { [SIGNATURE_HEADER]: headers[SIGNATURE_HEADER] ?? "" })));
    assert.ok(!handler.verify(request(body, { ...headers, [SIGNATURE_HEADER]: "v0=abc" })));
  });

  it("maps the three buttons; the value names the incident, else the message's <channel>:<ts>", () => {
    const parse = (payload: unknown) => handler.parse(request(formBody(payload), {}));
    const key = "sluice-01JHQZ8X6N7V4W3Y2T1S0R9Q8P-slack";
    assert.deepEqual(parse(interaction("sluice_acknowledge", key)), [
      {
        ticketRef: { idempotencyKey: key },
        change: { action: "acknowledge" },
        user: "amy.mcgee",
        updateOrigin: true,
        at: 1548426417840,
      },
    ]);
    assert.deepEqual(parse(interaction("sluice_resolve", key))[0]?.change, { action: "resolve" });
    assert.deepEqual(parse(interaction("sluice_escalate", key))[0]?.change, { action: "escalate" });
    assert.deepEqual(parse(interaction("sluice_acknowledge", "click_me_123"))[0]?.ticketRef, {
      externalId: "C0CA5:1548261231.000200",
    });
    assert.deepEqual(parse(interaction("sluice_snooze", key)), []);
    assert.deepEqual(parse(interaction("other_app_button", key)), []);
    assert.deepEqual(parse({ ...interaction("sluice_resolve", key), type: "view_submission" }), []);
  });

  it("names payloads it cannot read", () => {
    assert.throws(() => handler.parse(request("{}", {})), { code: "VALIDATION_FAILED" });
    assert.throws(() => handler.parse(request("payload=%7Bnope", {})), { code: "MALFORMED_BODY" });
    assert.throws(() => handler.parse(request(formBody({ type: "block_actions" }), {})), { code: "VALIDATION_FAILED" });
  });
});

describe("inbound sync from slack buttons through the API", async () => {
  const { sluice, clock, memory } = await inMemorySluice(
    {
      slack: { enabled: true, botToken: "xoxb-not-used-in-dry-run", channel: "C0CA5", signingSecret: SIGNING_SECRET },
      routing: { critical: ["memory", "slack"], high: ["memory", "slack"] },
    },
    Date.now(),
  );
  const slack = sluice.connectors.get("slack") as MemoryConnector;
  after(() => sluice.close());
  let key = "";

  const press = (actionId: string, options: { secret?: string; at?: number; user?: string } = {}) => {
    const body = formBody(
      interaction(actionId, key, (b) => {
        if (options.user) b.user.username = options.user;
        // Slack stamps the click; the fixture's own stamp is from the day it was written.
        const button = b.actions[0];
        if (button) button.action_ts = String((options.at ?? Math.floor(clock.now() / 1000)).toFixed(6));
      }),
    );
    return sluice.server.inject({
      method: "POST",
      url: "/api/v1/sync/slack",
      headers: signed(body, options.at ?? Math.floor(clock.now() / 1000), options.secret),
      payload: body,
    });
  };
  const actions = (connector: MemoryConnector) => connector.received.map((d) => d.action);
  const state = async () => (await sluice.server.inject({ url: "/api/incidents/INC-1" })).json().state;
  const timeline = async () =>
    (await sluice.server.inject({ url: "/api/incidents/INC-1/timeline" })).json().items as {
      action: string;
      actor: string;
      detail: string;
    }[];

  before(async () => {
    await sluice.server.inject({ method: "POST", url: "/api/v1/signals", payload: anomalyEvent() });
    await sluice.worker.flush();
    // The root message's buttons carry the incident's idempotency key as their value.
    key = slack.received[0]?.idempotencyKey ?? "";
    assert.match(key, /^sluice-.+-slack$/);
  });

  it("refuses unsigned, wrongly signed and replayed (stale) clicks with 401", async () => {
    const body = formBody(interaction("sluice_acknowledge", key));
    const unsigned = await sluice.server.inject({
      method: "POST",
      url: "/api/v1/sync/slack",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: body,
    });
    assert.equal(unsigned.statusCode, 401);
    assert.equal((await press("sluice_acknowledge", { secret: "wrong-signing-secret" })).statusCode, 401);
    const stale = await press("sluice_acknowledge", { at: Math.floor(clock.now() / 1000) - 6 * 60 });
    assert.equal(stale.statusCode, 401);
    assert.doesNotMatch(stale.body, new RegExp(SIGNING_SECRET));
    assert.equal(await state(), "open");
  });

  it("applies Acknowledge once and fans it out to the other tickets", async () => {
    const response = await press("sluice_acknowledge", { user: "amy.mcgee" });
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json().outcomes, [{ result: "applied", incident: "INC-1" }]);
    // The very same signed request again (a replay inside the five-minute window) is refused.
    assert.equal((await press("sluice_acknowledge", { user: "amy.mcgee" })).statusCode, 401);
    await sluice.worker.flush();
    assert.equal(await state(), "acknowledged");
    assert.deepEqual(actions(memory), ["create", "acknowledge"]);
    const last = (await timeline()).at(-1);
    assert.equal(last?.action, "acknowledged");
    assert.equal(last?.actor, "slack:amy.mcgee");
    assert.equal(last?.detail, "acknowledge in slack by amy.mcgee");
  });

  it("updates Slack's own root message in place (chat.update) for a change that came from Slack", () => {
    // The button press itself changes nothing on the message; without this delivery it keeps
    // showing "Open" and an Acknowledge button.
    assert.deepEqual(actions(slack), ["create", "acknowledge"]);
  });

  it("treats a second click on the same button (a double click, or a stale message) as a no-op", async () => {
    const again = await press("sluice_acknowledge", { user: "bob" });
    assert.equal(again.json().outcomes[0].result, "echo");
    await sluice.worker.flush();
    assert.deepEqual(actions(memory), ["create", "acknowledge"]);
    assert.equal((await timeline()).filter((e) => e.action === "acknowledged").length, 1);
  });

  it("resolves on Resolve, and a late Escalate from a stale message loses and is recorded", async () => {
    assert.equal((await press("sluice_resolve", { user: "amy.mcgee" })).json().outcomes[0].result, "applied");
    await sluice.worker.flush();
    assert.equal(await state(), "resolved");
    assert.deepEqual(actions(memory), ["create", "acknowledge", "resolve"]);
    const late = await press("sluice_escalate", { user: "carol" });
    assert.equal(late.json().outcomes[0].result, "ignored");
    const last = (await timeline()).at(-1);
    assert.equal(last?.action, "ignored");
    assert.match(last?.detail ?? "", /escalate from slack ignored: INC-1 is resolved/);
    await sluice.worker.flush();
    assert.deepEqual(actions(memory), ["create", "acknowledge", "resolve"]);
  });
});
