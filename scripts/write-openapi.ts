// Writes docs/openapi.json from the routes' own schemas, so the published API description cannot drift from the code.
import { writeFileSync } from "node:fs";
import { withDefaultsSluice } from "../src/cli/defaults-sluice.ts";

const document = await withDefaultsSluice(async (sluice) => {
  await sluice.server.ready();
  return sluice.server.swagger();
});
writeFileSync(new URL("../docs/openapi.json", import.meta.url), `${JSON.stringify(document, null, 2)}\n`);
process.stdout.write(`wrote docs/openapi.json (${Object.keys(document.paths ?? {}).length} paths)\n`);
