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

describe("error responses in the API description", async () => {
  const { sluice } = await inMemorySluice();
  after(() => sluice.close());
  await sluice.server.ready();
  type Operation = {
    responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
    security?: unknown[];
  };
  const document = (await sluice.server.inject({ url: "/openapi.json" })).json() as {
    paths: Record<string, Record<string, Operation>>;
    components: { schemas: Record<string, { properties: { error: { properties: { code: { enum: string[] } } } } }> };
  };
  const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ name: `${method.toUpperCase()} ${path}`, operation })),
  );
  const documented = (name: string) => Object.keys(operations.find((o) => o.name === name)?.operation.responses ?? {});

  it("shares one error schema whose codes are every code Sluice raises", () => {
    assert.deepEqual(document.components.schemas.SluiceError?.properties.error.properties.code.enum, [...ERROR_CODES]);
  });

  it("lists, for every operation, each error status it can answer with, all with the shared schema", () => {
    for (const { name, operation } of operations) {
      const statuses = Object.keys(operation.responses);
      assert.ok(statuses.includes("500"), `${name} documents 500`);
      assert.ok(
        statuses.some((s) => s.startsWith("2")),
        `${name} documents its success`,
      );
      const isPublic = Array.isArray(operation.security) && operation.security.length === 0;
      if (!isPublic) assert.ok(statuses.includes("401") && statuses.includes("403"), `${name} documents 401 and 403`);
      for (const status of statuses.filter((s) => Number(s) >= 400 && name !== "GET /readyz")) {
        const schema = operation.responses[status]?.content?.["application/json"]?.schema;
        assert.equal(schema?.$ref, "#/components/schemas/SluiceError", `${name} ${status}`);
      }
    }
    assert.deepEqual(documented("POST /api/v1/signals").sort(), [
      "202",
      "400",
      "401",
      "403",
      "413",
      "415",
      "422",
      "429",
      "500",
      "503",
    ]);
    assert.deepEqual(documented("POST /api/incidents/{id}/acknowledge").sort(), [
      "200",
      "400",
      "401",
      "403",
      "404",
      "409",
      "413",
      "415",
      "422",
      "500",
    ]);
  });

  it("marks probes, metrics and the signed webhooks public, and every other operation bearer-only", () => {
    const publicOnes = operations.filter((o) => Array.isArray(o.operation.security) && o.operation.security.length === 0);
    assert.deepEqual(publicOnes.map((o) => o.name).sort(), [
      "GET /healthz",
      "GET /metrics",
      "GET /readyz",
      "POST /api/v1/changes/github",
      "POST /api/v1/sync/{platform}",
    ]);
  });

  it("documents the 201 a note answers with, and the answer matches", async () => {
    assert.deepEqual(
      documented("POST /api/incidents/{id}/notes").filter((s) => s.startsWith("2")),
      ["201"],
    );
    const opened = await sluice.server.inject({
      method: "POST",
      url: "/api/v1/signals",
      payload: { event_id: "note-1", anomaly_score: 0.95, service: "payments", error_message: "timeout" },
    });
    const key = opened.json().results[0].incident as string;
    const note = await sluice.server.inject({ method: "POST", url: `/api/incidents/${key}/notes`, payload: { text: "on it" } });
    assert.equal(note.statusCode, 201, note.body);
    assert.deepEqual(note.json(), { ok: true });
  });
});
