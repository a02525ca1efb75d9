import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** One request the receiver took: its Idempotency-Key, Sluice's event, the incident, and when. */
export interface WebhookHit {
  key: string;
  event: string;
  incidentId: string;
  at: number;
}

/**
 * A stand-in for a ticketing platform behind Sluice's webhook connector (node:http on a random loopback port):
 * it records every request and, like real platforms, keeps one ticket per Idempotency-Key.
 */
export async function startWebhookReceiver() {
  const hits: WebhookHit[] = [];
  const tickets = new Map<string, string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const payload = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { event: string; incident: { id: string } };
      const key = String(req.headers["idempotency-key"] ?? "");
      hits.push({ key, event: payload.event, incidentId: payload.incident.id, at: Date.now() });
      if (!tickets.has(key)) tickets.set(key, `T-${tickets.size + 1}`);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ id: tickets.get(key) }));
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/sluice`,
    hits,
    tickets,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
