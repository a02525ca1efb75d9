import { fileURLToPath } from "node:url";
import { EventStream } from "../api/console/event-stream.ts";
import type { Base } from "./base.ts";

export interface ConsoleWiring {
  stream: EventStream;
  /** Where the built console is (web/dist of this checkout or image). */
  webDir: string;
}

/** How many recent events a reconnecting console can catch up on; beyond them it reloads its list. */
const REPLAYABLE_EVENTS = 1000;
const TICKET_TTL_MS = 30_000;

/**
 * The web console's server side: the event stream follows the bus from here on (it needs no start or
 * stop: it only keeps recent events in memory, and the server ends open streams when it closes).
 */
export function wireConsole({ events, clock }: Base): ConsoleWiring {
  const stream = new EventStream({ capacity: REPLAYABLE_EVENTS, ticketTtlMs: TICKET_TTL_MS, now: () => clock.now() });
  stream.follow(events);
  return { stream, webDir: fileURLToPath(new URL("../../web/dist", import.meta.url)) };
}
