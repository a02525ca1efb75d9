// Regenerates examples/demo-stream.jsonl, the recorded stream that `sluice replay` examples use.
import { writeFileSync } from "node:fs";
import { demoStream } from "../src/cli/demo/demo-stream.ts";

const items = demoStream(Date.parse("2026-11-02T10:00:00Z"));
writeFileSync(
  new URL("../examples/demo-stream.jsonl", import.meta.url),
  `${items.map((item) => JSON.stringify(item)).join("\n")}\n`,
);
process.stdout.write(`wrote ${items.length} lines\n`);
