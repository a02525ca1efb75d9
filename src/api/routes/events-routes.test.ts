import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { parseConfig } from "../../config/loader.ts";
import { sha256Hex } from "../../sources/http/auth.ts";
import { anomalyEvent, listeningSluice } from "../../testing/in-memory-sluice.ts";

interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
}

/** Reads server-sent events from a fetch response until `until` says enough. */
async function readEvents(response: Response, until: (events: SseEvent[]) => boolean): Promise<SseEvent[]> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  let text = "";
  const deadline = Date.now() + 5000;
  while (!until(events)) {
    if (Date.now() > deadline) throw new Error(`timed out; got ${JSON.stringify(events)}`);
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    let end = text.indexOf("\n\n");
    while (end >= 0) {
      const block = text.slice(0, end);
      text = text.slice(end + 2);
      const event: SseEvent = {};
      for (const line of block.split("\n")) {
        const [field, ...rest] = line.split(": ");
        if (field === "id" || field === "event" || field === "data") event[field] = rest.join(": ");
      }
      if (event.event) events.push(event);
      end = text.indexOf("\n\n");
    }
  }
  await reader.cancel();
  return events;
}

describe("GET /api/events (server-sent events)", async () => {
  const { config } = parseConfig(
    {
      auth: {
        tokens: [{ name: "dash", role: "viewer", sha256: sha256Hex("viewer-token") }],
        ingestTokens: [{ name: "scorer", sources: ["api"], sha256: sha256Hex("ingest-token") }],
      },
    },
    {},
    process.cwd(),
    "test",
  );
  const { sluice, port } = await listeningSluice(config);
  after(() => sluice.close());
  const base = `http://127.0.0.1:${port}`;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const ticket = async (token = "viewer-token") => {
    const response = await fetch(`${base}/api/events/tickets`, { method: "POST", headers: bearer(token) });
    assert.equal(response.status, 201);
    return ((await response.json()) as { ticket: string }).ticket;
  };
  const ingest = async () => {
    const response = await fetch(`${base}/api/v1/signals`, {
      method: "POST",
      headers: { ...bearer("ingest-token"), "content-type": "application/json" },
      body: JSON.stringify(anomalyEvent({ service: `svc-${Math.random().toString(36).slice(2, 7)}` })),
    });
    assert.equal(response.status, 202);
  };

  it("refuses a missing token, a bad ticket and a spent one, and an ingest token's ticket request", async () => {
    assert.equal((await fetch(`${base}/api/events`)).status, 401);
    const bad = await fetch(`${base}/api/events?ticket=made-up`);
    assert.equal(bad.status, 401);
    assert.match(((await bad.json()) as { error: { message: string } }).error.message, /ticket is unknown, spent or expired/);
    const once = await ticket();
    const first = await fetch(`${base}/api/events?ticket=${once}`);
    assert.equal(first.status, 200);
    await first.body?.cancel();
    assert.equal((await fetch(`${base}/api/events?ticket=${once}`)).status, 401, "a ticket opens one stream");
    assert.equal((await fetch(`${base}/api/events/tickets`, { method: "POST", headers: bearer("ingest-token") })).status, 403);
  });

  it("streams an incident opened by a new signal, and resumes after Last-Event-ID", async () => {
    const live = await fetch(`${base}/api/events?ticket=${await ticket()}`);
    assert.equal(live.headers.get("content-type"), "text/event-stream; charset=utf-8");
    const ingested = ingest();
    const events = await readEvents(live, (seen) => seen.some((e) => e.event === "IncidentOpened"));
    await ingested;
    assert.equal(events[0]?.event, "hello");
    const openedEvent = events.find((e) => e.event === "IncidentOpened");
    const incidentId = (JSON.parse(openedEvent?.data ?? "{}") as { incidentId?: string }).incidentId;
    assert.ok(incidentId && (await sluice.store.incidents.get(incidentId)), "the event names a stored incident");

    // Missed while away: a second signal, then a reconnect with the id of the last event seen.
    await ingest();
    await sluice.runner.flush();
    const resumed = await fetch(`${base}/api/events?ticket=${await ticket()}`, {
      headers: { "last-event-id": openedEvent?.id ?? "" },
    });
    const replayed = await readEvents(resumed, (seen) => seen.some((e) => e.event === "IncidentOpened"));
    assert.equal(replayed[0]?.event, "hello");
    const again = replayed.find((e) => e.event === "IncidentOpened");
    assert.notEqual(JSON.parse(again?.data ?? "{}").incidentId, incidentId, "only what came after the given id");

    const stale = await fetch(`${base}/api/events?lastEventId=0000-5`, { headers: bearer("viewer-token") });
    const reset = await readEvents(stale, (seen) => seen.length > 0);
    assert.equal(reset[0]?.event, "reset", "an id this process never gave out: reload");
  });

  it("answers who a token is, and the overview's figures", async () => {
    const session = await fetch(`${base}/api/session`, { headers: bearer("viewer-token") });
    assert.deepEqual(await session.json(), { name: "dash", role: "viewer", authEnabled: true });
    assert.equal((await fetch(`${base}/api/session`, { headers: bearer("nope") })).status, 401);
    const overview = (await (await fetch(`${base}/api/stats/overview`, { headers: bearer("viewer-token") })).json()) as {
      funnel: { signals: number; incidents: number };
      deadLetters: number;
    };
    assert.ok(overview.funnel.signals >= 2, "the signals of the tests above");
    assert.ok(overview.funnel.incidents >= 2);
    assert.equal(overview.deadLetters, 0);
  });
});
