// Contract test against the Zammad tickets description (../shared/specs/zammad), served by Prism in
// --errors mode: any request the description forbids is a recorded violation. Prism's answers are
// static (id 0, a search that never hits), so a small overlay gives them state: Prism still sees and
// validates every request, and its refusals pass through unchanged. The description has no
// `GET /users/me` (testConnection): the overlay answers it alone, and the unit tests cover it.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { systemClock } from "../../core/clock.ts";
import { CONTRACT_TIMEOUT_MS, runConnectorContract, sampleRequest, ticketFrom } from "../../testing/connector-contract-suite.ts";
import { type PrismMock, startPrism } from "../../testing/prism.ts";
import { type RecordingHttp, recordingHttp } from "../../testing/recording-http.ts";
import { scriptedFailures } from "../../testing/scripted-failures.ts";
import { locateSpec } from "../../testing/specs.ts";
import type { HttpClient } from "../connector.ts";
import { DEFAULT_PRIORITIES } from "./transform.ts";
import { ZammadConnector, type ZammadSettings } from "./zammad-connector.ts";

const SPEC = locateSpec("zammad/zammad-tickets.derived.openapi.yaml");
const TOKEN = "zammad-contract-TOKEN-0123456789";

let prism: PrismMock | null = null;

interface StoredTicket {
  id: number;
  number: string;
  tags: string[];
  state: string;
  priority: string;
  articles: Record<string, unknown>[];
}

/** Prism plus ticket state: creates are remembered, searches and updates answer from them. */
function statefulZammad(): { http: HttpClient; tickets: StoredTicket[] } {
  const tickets: StoredTicket[] = [];
  const http: HttpClient = async (url, init) => {
    const { pathname, searchParams } = new URL(url);
    if (pathname === "/users/me") return Response.json({ id: 3, login: "sluice-bot" });
    const real = await fetch(url, init);
    const text = await real.text();
    const headers = new Headers(real.headers);
    headers.delete("content-length");
    if (!real.ok || headers.has("sl-violations")) return new Response(text, { status: real.status, headers });
    const body = init.body ? (JSON.parse(String(init.body)) as Record<string, unknown>) : {};
    const view = (t: StoredTicket) => ({
      id: t.id,
      number: t.number,
      title: "t",
      group_id: 1,
      state_id: t.state === "closed" ? 4 : 2,
    });
    let answer: unknown;
    if (pathname === "/tickets/search") {
      const tag = /^tags:"(.*)"$/.exec(searchParams.get("query") ?? "")?.[1];
      const hit = tickets.find((t) => tag !== undefined && t.tags.includes(tag));
      answer = {
        tickets: hit ? [hit.id] : [],
        tickets_count: hit ? 1 : 0,
        assets: hit ? { Ticket: { [hit.id]: view(hit) } } : {},
      };
    } else if (pathname === "/tickets") {
      const ticket: StoredTicket = {
        id: tickets.length + 1,
        number: `3100${tickets.length + 1}`,
        tags: String(body.tags ?? "").split(","),
        state: String(body.state),
        priority: String(body.priority),
        articles: [body.article as Record<string, unknown>],
      };
      tickets.push(ticket);
      answer = view(ticket);
    } else if (pathname === "/ticket_articles") {
      const ticket = tickets.find((t) => t.id === body.ticket_id);
      ticket?.articles.push(body);
      answer = { id: 100 + (ticket?.articles.length ?? 0), ticket_id: body.ticket_id };
    } else {
      const ticket = tickets.find((t) => pathname === `/tickets/${t.id}`);
      if (!ticket) return Response.json({ error: "Couldn't find Ticket" }, { status: 404 });
      if (typeof body.state === "string") ticket.state = body.state;
      if (typeof body.priority === "string") ticket.priority = body.priority;
      ticket.articles.push(body.article as Record<string, unknown>);
      answer = view(ticket);
    }
    headers.set("content-type", "application/json");
    return new Response(JSON.stringify(answer), { status: real.status, headers });
  };
  return { http, tickets };
}

function connect(recorder: RecordingHttp, auth: ZammadSettings["auth"] = { kind: "token", token: TOKEN }): ZammadConnector {
  if (!prism) throw new Error("Prism is not running");
  const settings: ZammadSettings = {
    baseUrl: "https://zammad.example.test",
    apiBaseUrl: prism.baseUrl,
    auth,
    group: "Operations",
    customer: "guess:sluice@example.com",
    priorities: DEFAULT_PRIORITIES,
    tags: ["sluice"],
    templates: {},
  };
  return new ZammadConnector(settings, { http: recorder.http, clock: systemClock, timeoutMs: CONTRACT_TIMEOUT_MS });
}

async function startMock(): Promise<void> {
  prism ??= await startPrism(SPEC.path);
}

async function stopMock(): Promise<void> {
  await prism?.stop();
  prism = null;
}

if (SPEC.skip) {
  describe("zammad connector contract (Prism)", { skip: SPEC.skip }, () => {});
} else {
  runConnectorContract({
    name: "zammad (REST API, Prism)",
    secrets: [TOKEN],
    setup: startMock,
    teardown: stopMock,
    connect: async () => {
      const recorder = recordingHttp(statefulZammad().http);
      return {
        connector: connect(recorder),
        failNext: scriptedFailures((answer) => recorder.script(answer), {
          rateLimited: { headers: { "content-type": "application/json" }, body: '{"error":"Too many requests"}' },
          serverError: { body: '{"error":"Internal Server Error"}' },
          unauthorized: {
            headers: { "content-type": "application/json" },
            body: '{"error":"Invalid token!","error_human":"Invalid token!"}',
          },
        }),
        received: () => recorder.exchanges.length,
        violations: () => recorder.violations(),
        close: async () => {},
      };
    },
  });

  describe("zammad against the tickets description", () => {
    before(startMock);
    after(stopMock);

    it("the mock refuses a request the description forbids (the harness can fail)", async () => {
      const recorder = recordingHttp(statefulZammad().http);
      await recorder.http(`${prism?.baseUrl}/tickets`, {
        method: "POST",
        headers: { authorization: `Token token=${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ title: "no group, no customer" }),
      });
      assert.ok(recorder.violations().length >= 2, recorder.violations().join("\n"));
    });

    it("drives a ticket's whole life within the description, with one create despite a crash", async () => {
      const zammad = statefulZammad();
      const recorder = recordingHttp(zammad.http);
      const connector = connect(recorder);
      const created = await connector.deliver(sampleRequest("create"));
      assert.ok(created.kind === "delivered" && created.ticket, JSON.stringify(created));
      assert.equal(created.ticket.url, `https://zammad.example.test/#ticket/zoom/${created.ticket.externalId}`);
      // The outbox crashed before storing the ticket: the retry must find it by tag, not open another.
      assert.deepEqual(await connector.deliver(sampleRequest("create")), created);
      assert.equal(zammad.tickets.length, 1);

      const ticket = ticketFrom(created.ticket, "zammad");
      for (const action of ["acknowledge", "update", "comment", "escalate", "resolve", "reopen"] as const) {
        assert.deepEqual(await connector.deliver(sampleRequest(action, ticket)), { kind: "delivered" }, action);
      }
      assert.deepEqual(recorder.violations(), []);
      const stored = zammad.tickets[0];
      assert.equal(stored?.state, "open");
      assert.equal(stored?.articles.length, 7);
      assert.ok(stored?.articles.every((a) => a.internal === true && a.type === "note"));
      assert.ok(stored?.tags.includes(sampleRequest("create").idempotencyKey));
      for (const exchange of recorder.exchanges) assert.equal(exchange.headers.authorization, `Token token=${TOKEN}`);
    });

    it("works with an OAuth bearer token within the description", async () => {
      const recorder = recordingHttp(statefulZammad().http);
      const result = await connect(recorder, { kind: "oauth", token: TOKEN }).deliver(sampleRequest("comment", null));
      assert.equal(result.kind, "delivered", JSON.stringify(result));
      assert.equal(recorder.exchanges[0]?.headers.authorization, `Bearer ${TOKEN}`);
      assert.deepEqual(recorder.violations(), []);
    });

    it("a 422 becomes a rejection carrying Zammad's message", async () => {
      const recorder = recordingHttp(statefulZammad().http);
      recorder.script(
        { status: 200, headers: { "content-type": "application/json" }, body: '{"tickets":[],"tickets_count":0,"assets":{}}' },
        {
          status: 422,
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ error: "No lookup value found for 'group': \"Operations\"" }),
        },
      );
      assert.deepEqual(await connect(recorder).deliver(sampleRequest("create")), {
        kind: "permanent",
        category: "rejected",
        reason: "Zammad ticket create failed (HTTP 422): No lookup value found for 'group': \"Operations\"",
      });
      assert.deepEqual(recorder.violations(), []);
    });
  });
}
