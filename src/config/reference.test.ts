import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { it } from "node:test";
import { renderConfigReference } from "./reference.ts";

it("docs/configuration.md matches the schema (run `npm run config-reference` after changing it)", () => {
  const published = readFileSync(new URL("../../docs/configuration.md", import.meta.url), "utf8");
  assert.equal(published, renderConfigReference());
});
