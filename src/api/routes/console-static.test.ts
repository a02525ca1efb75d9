import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import Fastify from "fastify";
import { consoleStaticRoutes } from "./console-static.ts";

describe("the console's static files", () => {
  const dir = mkdtempSync(join(tmpdir(), "console-static-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const serve = (folder: string) => {
    const app = Fastify();
    consoleStaticRoutes(app, { dir: folder });
    return app;
  };

  it("answers every page address with index.html under a strict policy, and assets by name", async () => {
    mkdirSync(join(dir, "assets"));
    writeFileSync(join(dir, "index.html"), "<!doctype html><title>console</title>");
    writeFileSync(join(dir, "assets", "main-ABC.js"), "console.log(1)");
    writeFileSync(join(dir, "secret.txt"), "not an asset");
    const app = serve(dir);
    for (const url of ["/", "/overview", "/incidents/INC-7", "/login?m=x"]) {
      const page = await app.inject({ url });
      assert.equal(page.statusCode, 200, url);
      assert.match(page.body, /<title>console/);
      assert.equal(page.headers["cache-control"], "no-cache");
      assert.match(String(page.headers["content-security-policy"]), /default-src 'self'/);
    }
    const asset = await app.inject({ url: "/assets/main-ABC.js" });
    assert.equal(asset.headers["content-type"], "text/javascript; charset=utf-8");
    assert.match(String(asset.headers["cache-control"]), /immutable/);
    assert.equal((await app.inject({ url: "/assets/..%2Fsecret.txt" })).statusCode, 404, "no way out of assets/");
    assert.equal((await app.inject({ url: "/assets/nope.js" })).statusCode, 404);
  });

  it("says how to build the console when it is not built", async () => {
    const page = await serve(join(dir, "missing")).inject({ url: "/" });
    assert.equal(page.statusCode, 503);
    assert.match(page.body, /npm run build:web/);
  });
});
