import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { SluiceError } from "../../core/errors.ts";
import type { Authenticator } from "../../sources/http/auth.ts";
import type { EventStream, StreamedEvent } from "../console/event-stream.ts";

/** Streams at once; each holds a socket and a listener, so an unbounded number would be a way to exhaust the server. */
const MAX_STREAMS = 256;
/** Proxies and load balancers close connections that stay silent; a comment line every 15 s keeps it open. */
const HEARTBEAT_MS = 15_000;
/** A client that reads slower than events arrive is cut off (it reconnects and resumes) rather than buffered forever. */
const MAX_BUFFERED_BYTES = 1 << 20;

const streamQuery = z.strictObject({
  ticket: z.string().min(1).max(200).optional(),
  lastEventId: z.string().max(100).optional(),
});

/**
 * Server-sent events for the console: POST /api/events/tickets trades a bearer token for a single-use
 * ticket (EventSource cannot send headers), GET /api/events streams the domain events, resuming after
 * Last-Event-ID (the header, or ?lastEventId= when a client reconnects with a new ticket).
 */
export function eventRoutes(app: FastifyInstance, deps: { auth: Authenticator; stream: EventStream }): void {
  const { auth, stream } = deps;
  const open = new Set<() => void>();
  app.addHook("preClose", (done) => {
    // Streams never go idle, so the server would otherwise wait for them forever when it closes.
    for (const end of open) end();
    done();
  });

  app.post(
    "/api/events/tickets",
    {
      onRequest: auth.hook({ role: "viewer" }),
      schema: {
        tags: ["events"],
        summary:
          "A single-use ticket, valid for 30 s, that opens GET /api/events (for browsers, whose EventSource sends no headers)",
        response: {
          201: {
            type: "object",
            properties: { ticket: { type: "string" }, expiresAt: { type: "string", format: "date-time" } },
            required: ["ticket", "expiresAt"],
          },
        },
      },
    },
    async (request, reply) => {
      const issued = stream.issueTicket(request.principal?.name ?? "anonymous", request.principal?.role ?? null);
      return reply.code(201).send({ ticket: issued.ticket, expiresAt: new Date(issued.expiresAt).toISOString() });
    },
  );

  app.get(
    "/api/events",
    {
      schema: {
        tags: ["events"],
        summary:
          "Domain events as server-sent events (text/event-stream): IncidentOpened, IncidentChanged, IncidentResolved, " +
          "BatchCommitted, DeliveriesQueued. Authenticate with a bearer token or ?ticket= from POST /api/events/tickets. " +
          "Each event's id resumes the stream (Last-Event-ID); an id older than the last 1,000 events, or from before a " +
          "restart, gets a `reset` event: reload what you show.",
        querystring: z.toJSONSchema(streamQuery, { io: "input" }),
        headers: {
          type: "object",
          properties: { "last-event-id": { type: "string", description: "The id of the last event received" } },
        },
        response: {
          200: {
            description:
              "An endless stream: `id:`, `event:` (the event type, `hello` or `reset`) and `data:` (the event as JSON)",
            // Each event of the stream, as a client's parser hands it over (comments and `retry:` aside).
            content: {
              "text/event-stream": {
                schema: {
                  type: "object",
                  properties: { id: { type: "string" }, event: { type: "string" }, data: { type: "string" } },
                  required: ["event", "data"],
                },
              },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const parsed = streamQuery.safeParse(request.query ?? {});
      if (!parsed.success) throw new SluiceError("VALIDATION_FAILED", "invalid query: only ticket and lastEventId are allowed");
      authorize(request, auth, stream, parsed.data.ticket);
      if (open.size >= MAX_STREAMS) throw new SluiceError("OVERLOADED", `too many event streams open (${MAX_STREAMS})`);
      const header = request.headers["last-event-id"];
      const lastEventId = (typeof header === "string" ? header : undefined) ?? parsed.data.lastEventId;

      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        connection: "keep-alive",
        // nginx would otherwise buffer the stream and deliver events late.
        "x-accel-buffering": "no",
      });
      const send = (streamed: StreamedEvent) => {
        raw.write(`id: ${streamed.id}\nevent: ${streamed.event.type}\ndata: ${JSON.stringify(streamed.event)}\n\n`);
        if (raw.writableLength > MAX_BUFFERED_BYTES) end();
      };
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        clearInterval(heartbeat);
        unlisten();
        open.delete(end);
        raw.end();
      };
      // The replay below is written synchronously, so no live event can slip in before it ends.
      const unlisten = stream.listen(send);
      const heartbeat = setInterval(() => raw.write(": keep-alive\n\n"), HEARTBEAT_MS);
      heartbeat.unref();
      open.add(end);
      raw.on("close", end);
      raw.write("retry: 2000\n\n");
      const resume = lastEventId ? stream.since(lastEventId) : null;
      if (resume === null) raw.write(`id: ${stream.lastId()}\nevent: hello\ndata: {}\n\n`);
      else if (resume.kind === "reset") raw.write(`id: ${stream.lastId()}\nevent: reset\ndata: {}\n\n`);
      else {
        // Without an id, so the client's Last-Event-ID stays where it was until the replayed events move it.
        raw.write("event: hello\ndata: {}\n\n");
        for (const streamed of resume.events) send(streamed);
      }
    },
  );
}

function authorize(request: FastifyRequest, auth: Authenticator, stream: EventStream, ticket: string | undefined): void {
  if (!auth.enabled) return;
  if (ticket === undefined) {
    auth.check(request, { role: "viewer" });
    return;
  }
  const holder = stream.redeem(ticket);
  if (!holder || holder.role === null) {
    throw new SluiceError("UNAUTHORIZED", "the event-stream ticket is unknown, spent or expired; ask for a new one");
  }
  request.principal = { name: holder.principal, role: holder.role as "viewer", sources: [] };
}
