import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import type { HttpClient } from "../connectors/connector.ts";

/** A loopback HTTP server that hands every request to an HttpClient (a recorder in front of Prism). */
export interface HttpProxy {
  url: string;
  stop(): Promise<void>;
}

/**
 * For clients that make their own HTTP calls (the official Kubernetes client): they are pointed at this
 * server, which forwards each request to `target` + path through `http`, so recordingHttp still sees,
 * validates and can script every exchange.
 */
export async function startHttpProxy(target: () => string, http: HttpClient): Promise<HttpProxy> {
  const server = createServer(async (request, response) => {
    try {
      const body = await readBody(request);
      const headers = new Headers();
      for (const [name, value] of Object.entries(request.headers)) {
        if (value === undefined || ["host", "connection", "content-length", "transfer-encoding"].includes(name)) continue;
        headers.set(name, Array.isArray(value) ? value.join(", ") : value);
      }
      const answer = await http(`${target()}${request.url ?? "/"}`, {
        method: request.method ?? "GET",
        headers,
        ...(body.length > 0 ? { body: body.toString("utf8") } : {}),
      });
      const text = await answer.text();
      const out: Record<string, string> = {};
      answer.headers.forEach((value, name) => {
        if (!["content-length", "transfer-encoding", "connection", "content-encoding"].includes(name)) out[name] = value;
      });
      response.writeHead(answer.status, out);
      response.end(text);
    } catch (error) {
      response.writeHead(599, { "content-type": "text/plain" });
      response.end(`proxy failed: ${(error as Error).message}`);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
