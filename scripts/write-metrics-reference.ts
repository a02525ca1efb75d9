// Writes docs/metrics.md from the metrics a Sluice with every optional source on registers, so the
// published list cannot drift from the code.
import { writeFileSync } from "node:fs";
import { metricsReference } from "../src/cli/metrics-reference.ts";

const text = await metricsReference();
writeFileSync(new URL("../docs/metrics.md", import.meta.url), text);
process.stdout.write(`wrote docs/metrics.md (${text.split("\n").filter((line) => line.startsWith("| `")).length} metrics)\n`);
