import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, describe, it } from "node:test";
import pino from "pino";
import { parseConfig } from "../../config/loader.ts";
import { createSluice } from "../../main.ts";

describe("POST /api/ticketing/api/v1/test-connection", async () => {
  // A webhook receiver that counts requests: a connection check must not post anything.
  let posts = 0;
  const receiver = createServer((request, response) => {
    if (request.method === "POST") posts++;
    response.writeHead(405).end();
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const { config } = parseConfig({ webhook: { enabled: true, url, secret: "a-long-enough-secret" } }, {}, process.cwd(), "test");
  const sluice = await createSluice(config, { dataDir: ":memory:", processMetrics: false, logger: pino({ level: "silent" }) });
  after(async () => {
    await sluice.close();
    receiver.close();
  });
  const check = (payload: unknown) =>
    sluice.server.inject({ method: "POST", url: "/api/ticketing/api/v1/test-connection", payload: payload as object });

  it("checks an enabled platform without creating anything", async () => {
    const response = await check({ platform: "webhook" });
    assert.equal(response.statusCode, 200);
    const body = response.json();
    assert.equal(body.ok, true, body.detail);
    assert.equal(body.platform, "webhook");
    assert.equal(typeof body.latencyMs, "number");
    assert.equal(posts, 0);
    assert.ok(!response.body.includes("a-long-enough-secret"));
  });

  it("reports a platform that is known but not enabled, and one that is unknown", async () => {
    const disabled = await check({ platform: "slack" });
    assert.equal(disabled.statusCode, 422);
    assert.match(disabled.json().error.problems[0].message, /slack\.enabled: true/);
    const unknown = await check({ platform: "myspace" });
    assert.equal(unknown.statusCode, 404);
    assert.equal((await check({})).statusCode, 422);
  });

  it("reports an unreachable platform as not ok, with the reason", async () => {
    receiver.closeAllConnections();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    const body = (await check({ platform: "webhook" })).json();
    assert.equal(body.ok, false);
    assert.ok(body.detail.length > 0);
  });
});
