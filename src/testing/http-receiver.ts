import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request the receiver got. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** What `verify` found wrong with it; empty when it was acceptable. */
  problems: string[];
}

/** How the receiver answers one request instead of its default 200. */
export type ReceiverAnswer =
  | { status: number; headers?: Record<string, string>; body?: string }
  /** Holds the connection open without answering, so the client's timeout fires. */
  | { hang: true };

export interface ReceiverOptions {
  /** Checks a request (signature, shape) and returns its problems; they are recorded as violations. */
  verify?: (request: Omit<ReceivedRequest, "problems">) => string[];
  /** Default answer when nothing is scripted. */
  answer?: (request: ReceivedRequest) => ReceiverAnswer;
}

/** A real HTTP server on 127.0.0.1 standing in for a webhook receiver (generic webhook, Teams, ...). */
export interface HttpReceiver {
  url: string;
  readonly requests: ReceivedRequest[];
  /** Queues answers for the next requests, in order. */
  script(...answers: ReceiverAnswer[]): void;
  /** Every verification problem, prefixed with the request it belongs to. */
  violations(): string[];
  close(): Promise<void>;
}

export async function startReceiver(options: ReceiverOptions = {}): Promise<HttpReceiver> {
  const requests: ReceivedRequest[] = [];
  const queue: ReceiverAnswer[] = [];
  const hanging = new Set<ServerResponse>();

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const base = {
        method: req.method ?? "GET",
        path: req.url ?? "/",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      const received: ReceivedRequest = { ...base, problems: options.verify?.(base) ?? [] };
      requests.push(received);
      const answer = queue.shift() ?? options.answer?.(received) ?? { status: 200, body: "ok" };
      if ("hang" in answer) {
        hanging.add(res);
        return;
      }
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.body ?? "");
    });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script: (...answers) => queue.push(...answers),
    violations: () => requests.flatMap((r) => r.problems.map((p) => `${r.method} ${r.path}: ${p}`)),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
