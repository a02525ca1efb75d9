import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import pino from "pino";
import { parseConfig } from "../config/loader.ts";
import { ManualClock } from "../core/clock.ts";
import { createSluice } from "../main.ts";
import { anomalyEvent } from "../testing/in-memory-sluice.ts";
import { type FrozenRequest, freezeRequest } from "./frozen-request.ts";

// A receiver that takes the request and then loses its answer (a timeout, or Sluice dying while the
// receiver held it): the delivery is retried, and must send the very bytes the receiver already has.
describe("a retried delivery sends the bytes of its first attempt", async () => {
  const requests: { body: string; headers: Record<string, string> }[] = [];
  let loseAnswers = 1;
  const clock = new ManualClock(Date.parse("2026-11-02T10:00:00Z"));
  const { config } = parseConfig(
    {
      webhook: { enabled: true, url: "http://receiver.invalid/hook", secret: "frozen-request-secret-0123" },
      routing: { critical: ["webhook"], high: ["webhook"], medium: ["webhook"], low: ["webhook"] },
      delivery: { initialBackoff: "1s", maxBackoff: "1s" },
    },
    {},
    process.cwd(),
    "test",
  );
  const sluice = await createSluice(config, {
    clock,
    dataDir: ":memory:",
    processMetrics: false,
    logger: pino({ level: "silent" }),
    http: async (_url, init) => {
      requests.push({ body: String(init.body), headers: { ...(init.headers as Record<string, string>) } });
      if (loseAnswers > 0) {
        loseAnswers--;
        return new Response("upstream timed out", { status: 504 });
      }
      return new Response(JSON.stringify({ id: "T-1" }), { status: 200, headers: { "content-type": "application/json" } });
    },
  });
  after(() => sluice.close());

  it("keeps signal count, last-seen time and sentAt of the first attempt; only the signature is fresh", async () => {
    const post = (fields: Record<string, unknown>) =>
      sluice.server.inject({ method: "POST", url: "/api/v1/signals", payload: anomalyEvent({ service: "frozen", ...fields }) });
    assert.equal((await post({ "@timestamp": "2026-11-02T09:59:00Z", error_message: "disk full on node 7" })).statusCode, 202);
    await sluice.worker.flush();
    assert.equal(requests.length, 1, "the first attempt reached the receiver");

    // The incident moves on while the create waits for its retry.
    clock.advance(30_000);
    assert.equal((await post({ "@timestamp": "2026-11-02T10:00:20Z", error_message: "disk full on node 7" })).statusCode, 202);
    await sluice.worker.flush();
    assert.equal(requests.length, 2, "the create was retried");

    const [first, retry] = requests as [(typeof requests)[0], (typeof requests)[0]];
    assert.equal(retry.body, first.body, "the retry is byte for byte the first request's body");
    assert.equal(JSON.parse(retry.body).incident.signalCount, 1, "as first rendered");
    assert.equal(retry.headers["idempotency-key"], first.headers["idempotency-key"]);
    assert.match(first.headers["x-sluice-delivery"] ?? "", /^[0-9A-Z]{26}$/, "the delivery id is sent");
    assert.equal(retry.headers["x-sluice-delivery"], first.headers["x-sluice-delivery"]);
    assert.equal(JSON.parse(retry.body).deliveryId, first.headers["x-sluice-delivery"]);
    assert.notEqual(retry.headers["x-sluice-timestamp"], first.headers["x-sluice-timestamp"], "signed afresh");
    const incident = (await sluice.server.inject({ url: "/api/incidents/INC-1" })).json() as { signalCount: number };
    assert.equal(incident.signalCount, 2, "the incident itself did move on");
  });
});

describe("freezeRequest", () => {
  const incident = {
    id: "i-1",
    key: "INC-1",
    signalCount: 1,
    context: { owner: { team: "pay" } },
  } as unknown as FrozenRequest["incident"];
  const fresh: FrozenRequest = { incident, detail: "create memory", incidentUrl: null, renderedAt: 1_000 };
  const keeping = () => {
    const kept = new Map<string, string>();
    return {
      kept,
      freeze: async (id: string, request: string) => {
        if (!kept.has(id)) kept.set(id, request);
        return kept.get(id) as string;
      },
    };
  };

  it("keeps the first attempt's request as handed and gives it back unchanged", async () => {
    const repository = keeping();
    const first = await freezeRequest(repository, { id: "d-1", detail: "create memory" }, fresh);
    assert.deepEqual(first, fresh);
    assert.deepEqual(JSON.parse(repository.kept.get("d-1") as string), fresh, "what is kept is the request as sent");
  });

  it("hands a later attempt the kept request, not the incident as it is now", async () => {
    const repository = keeping();
    await freezeRequest(repository, { id: "d-1", detail: "create memory" }, fresh);
    const later = { ...fresh, incident: { ...incident, signalCount: 9 }, renderedAt: 5_000 };
    const retry = await freezeRequest(repository, { id: "d-1", detail: "create memory" }, later);
    assert.equal(retry.incident.signalCount, 1);
    assert.equal(retry.renderedAt, 1_000);
  });
});
