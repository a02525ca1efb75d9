import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { after, describe, it } from "node:test";
import { parseConfig } from "../config/loader.ts";
import { listeningSluice } from "../testing/in-memory-sluice.ts";

// Slow clients must not hold connections forever (issue 12: 500 connections sending one header line
// every 5 s stayed open indefinitely). Short timeouts here; the defaults are documented in configuration.md.

/** Resolves with what the server sent once it closes the connection, or rejects after `ms`. */
function closed(socket: Socket, ms: number): Promise<string> {
  let received = "";
  socket.on("data", (chunk) => {
    received += chunk.toString("latin1");
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`still open after ${ms} ms; received ${JSON.stringify(received)}`));
    }, ms);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(received);
    });
    socket.on("error", () => undefined);
  });
}

/** Writes `chunks` one every `everyMs` until the socket closes. */
function dribble(socket: Socket, chunks: string[], everyMs: number): void {
  let next = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || next >= chunks.length) return clearInterval(timer);
    socket.write(chunks[next++] as string);
  }, everyMs);
  socket.on("close", () => clearInterval(timer));
}

describe("timeouts for slow and idle clients", async () => {
  const { config } = parseConfig(
    { server: { headersTimeout: "1s", requestTimeout: "2s", keepAliveTimeout: "1s" }, log: { level: "silent" } },
    {},
    process.cwd(),
    "test",
  );
  const { sluice, port } = await listeningSluice(config);
  after(() => sluice.close());
  const open = () => connect(port, "127.0.0.1");

  it("closes a connection whose headers dribble in one line at a time", async () => {
    const socket = open();
    socket.write("GET /healthz HTTP/1.1\r\nHost: sluice\r\n");
    dribble(
      socket,
      Array.from({ length: 100 }, (_, i) => `X-Slow-${i}: a\r\n`),
      200,
    );
    const started = Date.now();
    const answer = await closed(socket, 5000);
    assert.match(answer, /^HTTP\/1\.1 408 /);
    assert.ok(Date.now() - started < 3000, `closed after ${Date.now() - started} ms`);
  });

  it("closes a connection whose body dribbles in slower than server.requestTimeout", async () => {
    const socket = open();
    socket.write(
      "POST /api/v1/signals HTTP/1.1\r\nHost: sluice\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n",
    );
    dribble(
      socket,
      Array.from({ length: 1000 }, () => " "),
      100,
    );
    const started = Date.now();
    await closed(socket, 6000);
    assert.ok(Date.now() - started < 4000, `closed after ${Date.now() - started} ms`);
  });

  it("closes an idle keep-alive connection after server.keepAliveTimeout", async () => {
    const socket = open();
    socket.write("GET /healthz HTTP/1.1\r\nHost: sluice\r\n\r\n");
    const answer = await closed(socket, 4000);
    assert.match(answer, /^HTTP\/1\.1 200 /);
  });

  it("still serves a client that sends at a normal pace", async () => {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(response.status, 200);
  });
});
