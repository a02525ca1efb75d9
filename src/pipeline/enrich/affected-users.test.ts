import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { anomalyEvent, inMemorySluice } from "../../testing/in-memory-sluice.ts";
import { AFFECTED_USERS_CAP, countAffectedUsers } from "./affected-users.ts";

describe("countAffectedUsers", () => {
  it("counts distinct ids in first-seen order and says when it stopped counting", () => {
    const users = countAffectedUsers([{ affectedUsers: ["a", "b"] }, { affectedUsers: ["b", "c"] }]);
    assert.deepEqual(users, { count: 3, capped: false, sample: ["a", "b", "c"] });
    const many = Array.from({ length: AFFECTED_USERS_CAP + 5 }, (_, i) => `u-${i}`);
    const capped = countAffectedUsers([{ affectedUsers: many }]);
    assert.equal(capped.count, AFFECTED_USERS_CAP);
    assert.equal(capped.capped, true);
    assert.equal(capped.sample.length, 10);
  });
});

describe("affected users on an incident", async () => {
  // Readable ids, so the counts can be checked against them (hashing, the default, is redaction's test).
  const { sluice, memory } = await inMemorySluice({ redaction: { affectedUsers: "keep" } });
  after(() => sluice.close());
  const send = async (users: string[]) => {
    const response = await sluice.server.inject({
      method: "POST",
      url: "/api/v1/signals",
      payload: anomalyEvent({ service: "checkout", affected_users: users }),
    });
    assert.equal(response.statusCode, 202, response.body);
    return response.json();
  };

  it("reach the first ticket from the opening signal, then grow as signals naming other users join", async () => {
    await send(["u-1", "u-2"]);
    await sluice.worker.flush();
    const created = memory.received.find((d) => d.action === "create");
    assert.match(created?.text?.body ?? "", /Affected users: 2 \(e\.g\. u-1, u-2\)/);

    await send(["u-2", "u-3"]);
    await send(["u-4"]);
    await sluice.affectedUsers.flush();
    const list = (await sluice.server.inject({ url: "/api/incidents" })).json().items as { key: string }[];
    assert.equal(list.length, 1);
    const incident = (await sluice.server.inject({ url: `/api/incidents/${list[0]?.key}` })).json();
    assert.deepEqual(incident.context.affectedUsers, { count: 4, capped: false, sample: ["u-1", "u-2", "u-3", "u-4"] });
  });
});

describe("an incident storm", async () => {
  const { sluice } = await inMemorySluice({ enrichment: { maxPerBatch: 1 } });
  after(() => sluice.close());

  it("enriches the first incidents of a batch fully and the rest with the essential steps only", async () => {
    const response = await sluice.server.inject({
      method: "POST",
      url: "/api/v1/signals",
      payload: ["a", "b", "c"].map((service) => anomalyEvent({ service: `storm-${service}`, affected_users: ["u-1"] })),
    });
    assert.equal(response.statusCode, 202, response.body);
    const keys = (response.json().results as { incident: string }[]).map((r) => r.incident);
    const contexts = await Promise.all(
      keys.map(async (key) => (await sluice.server.inject({ url: `/api/incidents/${key}` })).json().context),
    );
    assert.equal(contexts[0].degraded, undefined, "the first incident gets every step");
    for (const context of contexts.slice(1)) {
      assert.ok(context.degraded.includes("similar"), JSON.stringify(context));
      assert.equal(context.affectedUsers.count, 1, "essential steps still run");
    }
  });
});
