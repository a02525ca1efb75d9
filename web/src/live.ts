import { api } from "./api.ts";

export type LiveEvent = { type: string; incidentId?: string };
type Listener = (event: LiveEvent) => void;

/**
 * One server-sent-event connection per tab, shared by the pages. EventSource cannot send the token, so
 * each connection opens with a single-use ticket; the browser's own reconnect would reuse a spent
 * ticket, so this reconnects itself with a fresh one and the last event id it saw.
 */
class LiveEvents {
  private source: EventSource | null = null;
  private lastId: string | null = null;
  private readonly listeners = new Set<Listener>();
  private retry: ReturnType<typeof setTimeout> | null = null;
  private stopped = true;
  connected = false;
  onStatus: (connected: boolean) => void = () => {};

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.source?.close();
    this.source = null;
    if (this.retry) clearTimeout(this.retry);
  }

  private async connect(): Promise<void> {
    let ticket: string;
    try {
      ticket = (await api<{ ticket: string }>("/api/events/tickets", { method: "POST" })).ticket;
    } catch {
      this.scheduleRetry();
      return;
    }
    if (this.stopped) return;
    const query = new URLSearchParams({ ticket });
    if (this.lastId) query.set("lastEventId", this.lastId);
    const source = new EventSource(`/api/events?${query}`);
    this.source = source;
    const remember = (event: MessageEvent) => {
      if (event.lastEventId) this.lastId = event.lastEventId;
    };
    source.addEventListener("hello", (event) => {
      remember(event);
      this.setConnected(true);
    });
    source.addEventListener("reset", (event) => {
      remember(event);
      this.setConnected(true);
      this.emit({ type: "reset" });
    });
    for (const type of ["IncidentOpened", "IncidentChanged", "IncidentResolved", "DeliveriesQueued", "BatchCommitted"]) {
      source.addEventListener(type, (event) => {
        remember(event);
        this.emit(JSON.parse(event.data) as LiveEvent);
      });
    }
    source.onerror = () => {
      source.close();
      this.setConnected(false);
      this.scheduleRetry();
    };
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.connect();
    }, 2000);
  }

  private setConnected(connected: boolean): void {
    this.connected = connected;
    this.onStatus(connected);
  }

  private emit(event: LiveEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

export const live = new LiveEvents();
