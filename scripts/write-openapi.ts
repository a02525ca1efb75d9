// Writes docs/openapi.json from the routes' own schemas, so the published API description cannot drift from the code.
import { writeFileSync } from "node:fs";
import pino from "pino";
import { parseConfig } from "../src/config/loader.ts";
import { createSluice } from "../src/main.ts";

const { config } = parseConfig({}, {}, process.cwd(), "defaults");
const sluice = await createSluice(config, {
  dataDir: ":memory:",
  dryRun: true,
  processMetrics: false,
  logger: pino({ level: "silent" }),
});
await sluice.server.ready();
const document = sluice.server.swagger();
writeFileSync(new URL("../docs/openapi.json", import.meta.url), `${JSON.stringify(document, null, 2)}\n`);
await sluice.close();
process.stdout.write(`wrote docs/openapi.json (${Object.keys(document.paths ?? {}).length} paths)\n`);
