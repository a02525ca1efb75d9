import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, describe, it } from "node:test";
import { ERROR_CODES } from "../core/errors.ts";
import { inMemorySluice } from "../testing/in-memory-sluice.ts";

describe("published API description and error codes", async () => {
  const { sluice } = await inMemorySluice();
  after(() => sluice.close());

  it("serves /openapi.json, and docs/openapi.json is the same document (run `npm run openapi` after changing routes)", async () => {
    const served = (await sluice.server.inject({ url: "/openapi.json" })).json();
    assert.ok(served.paths["/api/v1/signals"]);
    assert.ok(served.paths["/api/incidents/{id}/acknowledge"]);
    const published = JSON.parse(readFileSync(new URL("../../docs/openapi.json", import.meta.url), "utf8"));
    assert.deepEqual(published, served);
  });

  it("documents every error code in docs/errors.md", () => {
    const doc = readFileSync(new URL("../../docs/errors.md", import.meta.url), "utf8");
    for (const code of ERROR_CODES) assert.ok(doc.includes(`\`${code}\``), `docs/errors.md lacks ${code}`);
  });
});
