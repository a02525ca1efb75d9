// Writes docs/configuration.md from the config schema itself, so the reference cannot drift from the code.
import { writeFileSync } from "node:fs";
import { renderConfigReference } from "../src/config/reference.ts";

writeFileSync(new URL("../docs/configuration.md", import.meta.url), renderConfigReference());
process.stdout.write("wrote docs/configuration.md\n");
