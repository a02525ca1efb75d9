import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { it } from "node:test";
import { metricsReference } from "./metrics-reference.ts";

it("docs/metrics.md lists every metric the code exports (run `npm run metrics-reference` after changing one)", async () => {
  const published = readFileSync(new URL("../../docs/metrics.md", import.meta.url), "utf8");
  assert.equal(published, await metricsReference());
});
