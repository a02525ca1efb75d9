// Zammad REST API under /api/v1 (tickets/search, tickets, tickets/{id}, ticket_articles, users/me).
// Idempotency as Zammad offers it: none on create; the connector tags the ticket with its idempotency key
// in the create itself and searches `tags:"<key>"` before creating. The search goes through Zammad's
// Elasticsearch index, which lags behind writes: a ticket becomes findable `indexDelayMs` after its
// create, and then whatever its state (closed tickets are found too).
import { bodyObject, type FakePlatform, type FakeRequest, type FakeResponse, header, json, str } from "./common.ts";

export interface ZammadTicket {
  id: number;
  number: string;
  title: string;
  group: string;
  state: string;
  priority: string;
  tags: string[];
  articles: { subject: string; body: string; internal: boolean }[];
  indexedAt: number;
}

const STATES = new Set(["new", "open", "closed", "pending reminder", "pending close", "merged"]);
const PRIORITIES = new Set(["1 low", "2 normal", "3 high"]);

export class FakeZammad implements FakePlatform {
  readonly name = "zammad";
  readonly tickets: ZammadTicket[] = [];
  creates = 0;

  constructor(private readonly indexDelayMs = 100) {}

  handle(request: FakeRequest): FakeResponse {
    const auth = header(request, "authorization");
    if (!auth.startsWith("Token token=") && !auth.startsWith("Bearer ")) return json(401, { error: "authentication failed" });
    const route = `${request.method} ${request.path}`;
    if (route === "GET /api/v1/users/me") return json(200, { id: 3, login: "sluice@example.com" });
    if (route === "GET /api/v1/tickets/search") return this.search(request);
    if (route === "POST /api/v1/tickets") return this.create(request);
    if (route === "POST /api/v1/ticket_articles") {
      const body = bodyObject(request);
      const ticket = this.tickets.find((t) => t.id === Number(body?.ticket_id));
      if (!body || !ticket) return json(422, { error: "ticket_id is missing or unknown", error_human: "Ticket not found" });
      ticket.articles.push(article(body));
      return json(201, { id: 1000 + ticket.articles.length, ticket_id: ticket.id });
    }
    const one = /^\/api\/v1\/tickets\/(\d+)$/.exec(request.path);
    if (one && request.method === "PUT") {
      const ticket = this.tickets.find((t) => t.id === Number(one[1]));
      if (!ticket) return json(404, { error: "Couldn't find Ticket with 'id'", error_human: "Ticket not found" });
      const body = bodyObject(request) ?? {};
      if (body.state !== undefined && !STATES.has(str(body.state)))
        return json(422, { error: `No lookup value found for 'state': "${str(body.state)}"` });
      if (body.priority !== undefined && !PRIORITIES.has(str(body.priority))) {
        return json(422, { error: `No lookup value found for 'priority': "${str(body.priority)}"` });
      }
      if (body.state !== undefined) ticket.state = str(body.state);
      if (body.priority !== undefined) ticket.priority = str(body.priority);
      if (body.article && typeof body.article === "object")
        ticket.articles.push(article(body.article as Record<string, unknown>));
      return json(200, present(ticket));
    }
    return json(404, { error: `fake Zammad has no route ${route}` });
  }

  private search(request: FakeRequest): FakeResponse {
    const tag = /^tags:"([^"]*)"$/.exec(request.query.get("query") ?? "")?.[1];
    const limit = Number(request.query.get("limit") ?? 100);
    const now = Date.now();
    const found = this.tickets.filter((t) => tag !== undefined && t.tags.includes(tag) && t.indexedAt <= now).slice(0, limit);
    return json(200, {
      tickets: found.map((t) => t.id),
      tickets_count: found.length,
      assets: { Ticket: Object.fromEntries(found.map((t) => [String(t.id), present(t)])) },
    });
  }

  private create(request: FakeRequest): FakeResponse {
    const body = bodyObject(request);
    if (!body || !str(body.title) || !str(body.group) || !(str(body.customer) || str(body.customer_id))) {
      return json(422, { error: "title, group and customer are required" });
    }
    if (body.priority !== undefined && !PRIORITIES.has(str(body.priority))) {
      return json(422, { error: `No lookup value found for 'priority': "${str(body.priority)}"` });
    }
    this.creates++;
    const id = this.tickets.length + 1;
    const ticket: ZammadTicket = {
      id,
      number: String(31_000 + id),
      title: str(body.title),
      group: str(body.group),
      state: str(body.state) || "new",
      priority: str(body.priority) || "2 normal",
      tags: str(body.tags)
        .split(",")
        .map((t) => t.trim())
        .filter(Boolean),
      articles: body.article && typeof body.article === "object" ? [article(body.article as Record<string, unknown>)] : [],
      indexedAt: Date.now() + this.indexDelayMs,
    };
    this.tickets.push(ticket);
    return json(201, present(ticket));
  }

  describe(): string {
    const list = this.tickets.map((t) => `#${t.number}[${t.state}, ${t.priority}, ${t.articles.length} articles]`).join(" ");
    return `${this.tickets.length} ticket(s) ${list}; ${this.creates} creates`;
  }
}

function article(body: Record<string, unknown>): ZammadTicket["articles"][number] {
  return { subject: str(body.subject), body: str(body.body), internal: body.internal === true };
}

function present(ticket: ZammadTicket) {
  const { articles: _articles, indexedAt: _indexedAt, tags: _tags, ...rest } = ticket;
  return { ...rest, article_count: ticket.articles.length };
}
