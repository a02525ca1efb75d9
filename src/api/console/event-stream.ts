import { randomBytes } from "node:crypto";
import type { DomainEvent, DomainEventType, EventSubscriber } from "../../core/events.ts";

/** One event as the stream sends it: `id` is `<boot>-<sequence>`, so an id from another process is recognised. */
export interface StreamedEvent {
  id: string;
  event: DomainEvent;
}

export type Resume =
  /** Everything after the given id is still in the buffer (possibly nothing). */
  | { kind: "replay"; events: StreamedEvent[] }
  /** The id is older than the buffer or from another process: the client must reload what it shows. */
  | { kind: "reset" };

export interface EventStreamOptions {
  /** How many recent events a reconnecting client can catch up on. */
  capacity: number;
  /** How long a stream ticket stays usable, in milliseconds. */
  ticketTtlMs: number;
  now(): number;
}

const FORWARDED: readonly DomainEventType[] = [
  "IncidentOpened",
  "IncidentChanged",
  "IncidentResolved",
  "BatchCommitted",
  "DeliveriesQueued",
];

/**
 * The domain events the console follows, for server-sent events: a bounded ring buffer of recent events
 * (so a client that reconnects with Last-Event-ID misses nothing it could still be given), live listeners,
 * and single-use tickets. A browser's EventSource cannot send an Authorization header, so the console
 * trades its token for a ticket in an authenticated POST and opens the stream with it: a ticket in a URL
 * that reaches a log is already spent, or expires within seconds.
 */
export class EventStream {
  /** Distinguishes this process's ids from those a previous process (or replica) gave out. */
  readonly boot = randomBytes(4).toString("hex");
  private readonly buffer: (StreamedEvent | undefined)[];
  private next = 1;
  private readonly listeners = new Set<(event: StreamedEvent) => void>();
  private readonly tickets = new Map<string, { principal: string; role: string | null; expiresAt: number }>();

  constructor(private readonly options: EventStreamOptions) {
    this.buffer = new Array(options.capacity);
  }

  /** Follows the bus; returns a function that stops following it. */
  follow(events: EventSubscriber): () => void {
    const stops = FORWARDED.map((type) => events.subscribe(type, "console-stream", (event) => this.push(event)));
    return () => {
      for (const stop of stops) stop();
    };
  }

  push(event: DomainEvent): void {
    const sequence = this.next++;
    const streamed = { id: `${this.boot}-${sequence}`, event };
    this.buffer[sequence % this.options.capacity] = streamed;
    for (const listener of this.listeners) listener(streamed);
  }

  /** The id of the newest event: what a client that starts now has seen (`<boot>-0` before the first). */
  lastId(): string {
    return `${this.boot}-${this.next - 1}`;
  }

  /** What a client that last saw `lastId` has missed. */
  since(lastId: string): Resume {
    const match = /^([0-9a-f]+)-(\d+)$/.exec(lastId);
    if (!match || match[1] !== this.boot) return { kind: "reset" };
    const seen = Number(match[2]);
    if (seen >= this.next) return { kind: "reset" };
    const oldest = Math.max(1, this.next - this.options.capacity);
    if (seen + 1 < oldest) return { kind: "reset" };
    const events: StreamedEvent[] = [];
    for (let sequence = seen + 1; sequence < this.next; sequence++) {
      const streamed = this.buffer[sequence % this.options.capacity];
      if (streamed) events.push(streamed);
    }
    return { kind: "replay", events };
  }

  listen(listener: (event: StreamedEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** A new single-use ticket for `principal`; expired ones are dropped on the way. */
  issueTicket(principal: string, role: string | null): { ticket: string; expiresAt: number } {
    const now = this.options.now();
    for (const [key, entry] of this.tickets) if (entry.expiresAt <= now) this.tickets.delete(key);
    const ticket = randomBytes(24).toString("base64url");
    const expiresAt = now + this.options.ticketTtlMs;
    this.tickets.set(ticket, { principal, role, expiresAt });
    return { ticket, expiresAt };
  }

  /** Spends a ticket: who it was issued to, or null when it is unknown, spent or expired. */
  redeem(ticket: string): { principal: string; role: string | null } | null {
    const entry = this.tickets.get(ticket);
    if (!entry) return null;
    this.tickets.delete(ticket);
    if (entry.expiresAt <= this.options.now()) return null;
    return { principal: entry.principal, role: entry.role };
  }
}
