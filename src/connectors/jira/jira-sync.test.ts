import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { ManualClock } from "../../core/clock.ts";
import { isSluiceError } from "../../core/errors.ts";
import { anomalyEvent, inMemorySluice } from "../../testing/in-memory-sluice.ts";
import type { MemoryConnector } from "../memory/memory-connector.ts";
import { jiraFactory } from "./jira-factory.ts";
import { JiraSync, jiraSignature } from "./jira-sync.ts";

const SECRET = "jira-webhook-secret-0123456789";

interface StatusFixture {
  timestamp: number;
  issue: {
    key: string;
    fields: { labels?: string[]; status: { name: string; statusCategory: { key: string } } };
  };
  changelog: { items: { field: string; toString: string }[] };
  user: { accountId: string };
}
interface CommentFixture {
  timestamp: number;
  issue: { key: string };
  comment: { body: unknown; author: { accountId: string } };
}
const read = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./fixtures/webhooks/${name}.json`, import.meta.url), "utf8"));
const statusChange = (status: string, category: string) => {
  const body = read("issue-updated-status") as StatusFixture;
  body.issue.fields.status.name = status;
  body.issue.fields.status.statusCategory.key = category;
  const item = body.changelog.items[0];
  if (item) item.toString = status;
  return body;
};

describe("JiraSync", () => {
  const clock = new ManualClock(Date.parse("2026-11-02T10:06:00Z"));
  const sync = new JiraSync(
    {
      webhookSecret: SECRET,
      statusMap: { Reopened: "reopen", "Waiting for bank": "ignore" },
      maxAgeSeconds: 3600,
      ignoreUsers: ["sluice-bot"],
    },
    clock,
  );
  const request = (body: unknown, signature?: string) => {
    const rawBody = Buffer.from(JSON.stringify(body));
    return { rawBody, headers: { "x-hub-signature": signature ?? jiraSignature(SECRET, rawBody) }, now: clock.now() };
  };

  it("verifies X-Hub-Signature over the exact body, constant-time, within the replay window", () => {
    const body = read("issue-updated-status") as StatusFixture;
    assert.equal(sync.verify(request(body)), true);
    assert.equal(sync.verify(request(body, jiraSignature("another-secret-entirely", JSON.stringify(body)))), false);
    assert.equal(sync.verify({ ...request(body), headers: {} }), false);
    assert.equal(sync.verify(request(body, "sha256=abc")), false);
    body.timestamp = Date.parse("2026-11-02T08:00:00Z");
    assert.equal(sync.verify(request(body)), false, "a signed webhook replayed two hours later");
  });

  it("maps status changes by the configured map, else by status category", () => {
    const ack = sync.parse(request(read("issue-updated-status")));
    assert.deepEqual(ack, [
      {
        ticketRef: { idempotencyKey: "sluice-01JHQZ8X6N7V4W3Y2T1S0R9Q8P-jira" },
        change: { action: "acknowledge" },
        user: "Mia Krystof",
        at: 1793613900000,
      },
    ]);
    assert.deepEqual(sync.parse(request(statusChange("Done", "done")))[0]?.change, { action: "resolve" });
    assert.deepEqual(sync.parse(request(statusChange("reopened", "new")))[0]?.change, { action: "reopen" });
    assert.deepEqual(sync.parse(request(statusChange("Waiting for bank", "indeterminate"))), []);
    // A workflow status (or category) named like an Object property is just an unmapped name.
    for (const name of ["constructor", "__proto__", "toString"]) {
      assert.deepEqual(sync.parse(request(statusChange(name, name))), [], name);
    }
    const noStatus = read("issue-updated-status") as StatusFixture;
    noStatus.changelog.items = [{ field: "labels", toString: "x" }];
    assert.deepEqual(sync.parse(request(noStatus)), [], "other field changes are not lifecycle changes");
  });

  it("carries the resolution a resolve was made with: the changelog's, else the issue's", () => {
    const withChangelog = statusChange("Done", "done") as StatusFixture & { changelog: { items: unknown[] } };
    withChangelog.changelog.items.push({ field: "resolution", fieldtype: "jira", toString: "Won't Do" });
    assert.deepEqual(sync.parse(request(withChangelog))[0]?.change, { action: "resolve", resolution: "Won't Do" });
    const onIssue = statusChange("Done", "done") as StatusFixture & { issue: { fields: Record<string, unknown> } };
    onIssue.issue.fields.resolution = { id: "10002", name: "Duplicate" };
    assert.deepEqual(sync.parse(request(onIssue))[0]?.change, { action: "resolve", resolution: "Duplicate" });
    const acknowledged = statusChange("In Progress", "indeterminate") as StatusFixture & {
      issue: { fields: Record<string, unknown> };
    };
    acknowledged.issue.fields.resolution = { name: "Duplicate" };
    assert.deepEqual(sync.parse(request(acknowledged))[0]?.change, { action: "acknowledge" }, "only a resolve has one");
  });

  it("finds the issue by key when it carries no Sluice label", () => {
    const body = read("issue-updated-status") as StatusFixture;
    body.issue.fields.labels = ["sluice"];
    assert.deepEqual(sync.parse(request(body))[0]?.ticketRef, { externalId: "OPS-4" });
  });

  it("turns comment_created into a comment, reading ADF bodies as text, and skips Sluice's own user", () => {
    const comment = sync.parse(request(read("comment-created")));
    assert.deepEqual(comment[0]?.ticketRef, { externalId: "OPS-4" });
    assert.deepEqual(comment[0]?.change, {
      comment: "Bank confirmed an outage on their side; failing over to the secondary provider.",
    });
    const adf = read("comment-created") as CommentFixture;
    adf.comment.body = {
      type: "doc",
      version: 1,
      content: [
        { type: "paragraph", content: [{ type: "text", text: "first" }] },
        { type: "paragraph", content: [{ type: "text", text: "second" }] },
      ],
    };
    assert.deepEqual(sync.parse(request(adf))[0]?.change, { comment: "first\nsecond" });
    const own = read("comment-created") as CommentFixture;
    own.comment.author.accountId = "sluice-bot";
    assert.deepEqual(sync.parse(request(own)), []);
  });

  it("names unreadable payloads", () => {
    assert.throws(
      () => sync.parse({ ...request({}), rawBody: Buffer.from("<html>") }),
      (error) => isSluiceError(error) && error.code === "MALFORMED_BODY",
    );
    assert.throws(
      () => sync.parse(request({ webhookEvent: "jira:issue_updated", issue: { fields: {} } })),
      (error) => isSluiceError(error) && error.code === "VALIDATION_FAILED",
    );
  });

  it("has an inbound side only with a webhook secret, and keeps the block as written", () => {
    const block = { enabled: true, baseUrl: "https://acme.atlassian.net", projectKey: "OPS" };
    assert.equal(jiraFactory.createSyncHandler?.(jiraFactory.configSchema.parse(block), { clock }), null);
    const withSync = { ...block, webhookSecret: SECRET, sync: { statusMap: { Done: "resolve" } } };
    const parsed = jiraFactory.configSchema.parse(withSync);
    assert.deepEqual(parsed, withSync);
    assert.equal(jiraFactory.createSyncHandler?.(parsed, { clock })?.platform, "jira");
    assert.throws(() => jiraFactory.configSchema.parse({ ...block, sync: { statusMap: { Done: "close" } } }));
  });
});

describe("inbound sync from Jira webhooks", async () => {
  const { sluice, clock, memory } = await inMemorySluice(
    {
      jira: {
        enabled: true,
        baseUrl: "https://acme.atlassian.net",
        projectKey: "OPS",
        webhookSecret: SECRET,
        sync: { statusMap: { Reopened: "reopen" } },
      },
      routing: { critical: ["memory", "jira"], high: ["memory", "jira"] },
    },
    Date.now(),
  );
  const jira = sluice.connectors.get("jira") as MemoryConnector;
  after(() => sluice.close());
  let key = "";

  /** A documented payload about our issue, sent now: status changes carry Sluice's label, comments the issue key. */
  const signed = (body: { timestamp: number }, secret = SECRET) => {
    body.timestamp = clock.now();
    const text = JSON.stringify(body);
    return { text, signature: jiraSignature(secret, text) };
  };
  const status = (name: string, category: string) => {
    const body = statusChange(name, category);
    body.issue.fields.labels = ["sluice", `sluice-${key}`];
    return signed(body);
  };
  const comment = () => {
    const body = read("comment-created") as CommentFixture;
    // The dry-run stand-in's ticket id is the issue key Sluice stored.
    body.issue.key = "jira-INC-1";
    return signed(body);
  };
  const post = ({ text, signature }: { text: string; signature: string | undefined }) =>
    sluice.server.inject({
      method: "POST",
      url: "/api/v1/sync/jira",
      headers: { "content-type": "application/json", ...(signature ? { "x-hub-signature": signature } : {}) },
      payload: text,
    });
  const actions = (connector: MemoryConnector) => connector.received.map((d) => d.action);
  const state = async () => (await sluice.server.inject({ url: "/api/incidents/INC-1" })).json().state as string;
  const lastEntry = async () =>
    (
      (await sluice.server.inject({ url: "/api/incidents/INC-1/timeline" })).json().items as { action: string; actor: string }[]
    ).at(-1);

  before(async () => {
    await sluice.server.inject({ method: "POST", url: "/api/v1/signals", payload: anomalyEvent() });
    await sluice.worker.flush();
    key = jira.received[0]?.idempotencyKey ?? "";
    assert.match(key, /^sluice-.+-jira$/);
  });

  it("refuses unsigned and wrongly signed webhooks with 401", async () => {
    const good = status("In Progress", "indeterminate");
    assert.equal((await post({ text: good.text, signature: undefined })).statusCode, 401);
    assert.equal(
      (await post({ text: good.text, signature: jiraSignature("a-different-secret-value", good.text) })).statusCode,
      401,
    );
    assert.equal(await state(), "open");
  });

  it("acknowledges on In Progress once, fans out, and sends nothing back to Jira", async () => {
    const request = status("In Progress", "indeterminate");
    const response = await post(request);
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json().outcomes, [{ result: "applied", incident: "INC-1" }]);
    await sluice.worker.flush();
    assert.equal(await state(), "acknowledged");
    assert.deepEqual(actions(memory), ["create", "acknowledge"]);
    assert.deepEqual(actions(jira), ["create"], "no call back to the origin");
    const last = await lastEntry();
    assert.equal(last?.action, "acknowledged");
    assert.equal(last?.actor, "jira:Mia Krystof");

    assert.equal((await post(request)).json().outcomes[0].result, "echo", "a replay within the window is a no-op");
    clock.advance(2 * 3600_000);
    assert.equal((await post(request)).statusCode, 401, "a replay after the window is refused");
    await sluice.worker.flush();
    assert.deepEqual(actions(memory), ["create", "acknowledge"]);
  });

  it("passes a comment on to every other ticket", async () => {
    const response = await post(comment());
    assert.deepEqual(response.json().outcomes, [{ result: "applied", incident: "INC-1" }]);
    await sluice.worker.flush();
    assert.deepEqual(
      memory.received.filter((d) => d.action === "comment").map((d) => d.detail),
      ["Bank confirmed an outage on their side; failing over to the secondary provider."],
    );
    assert.deepEqual(actions(jira), ["create"]);
    assert.equal((await lastEntry())?.action, "note");
  });

  it("resolves on Done and reopens on the mapped Reopened status", async () => {
    assert.equal((await post(status("Done", "done"))).json().outcomes[0].result, "applied");
    await sluice.worker.flush();
    assert.equal(await state(), "resolved");
    assert.equal((await lastEntry())?.action, "resolved");
    const late = await post(status("In Progress", "indeterminate"));
    assert.equal(late.json().outcomes[0].result, "ignored", "resolved beats a late In Progress");
    assert.equal((await post(status("Reopened", "new"))).json().outcomes[0].result, "applied");
    await sluice.worker.flush();
    assert.equal(await state(), "open");
    assert.equal((await lastEntry())?.action, "reopened");
    assert.deepEqual(actions(memory), ["create", "acknowledge", "comment", "resolve", "reopen"]);
    assert.deepEqual(actions(jira), ["create"]);
  });
});
