import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { describe, it } from "node:test";
import { parseCsv } from "../patterns/csv.ts";
import { patternsCommand } from "./patterns.ts";

const LOG = [
  "2015-10-18 18:01:47,978 INFO [main] org.example.App: user com.acme.alice logged in to the console",
  '2015-10-18 18:01:48,001 WARN [main] org.example.App: disk /var/a is full, said "x"',
  "2015-10-18 18:01:49,120 INFO [main] org.example.App: user com.acme.bob logged in to the console",
].join("\n");

async function run(file: string | undefined, format: "ndjson" | "csv" | undefined, input = "") {
  let output = "";
  const stdout = new Writable({
    write(chunk, _encoding, done) {
      output += String(chunk);
      done();
    },
  });
  const code = await patternsCommand(file, format ? { format } : {}, { stdin: Readable.from([input]), stdout });
  return { code, output };
}

describe("sluice patterns", () => {
  it("prints one NDJSON record per stdin line with the line's final template", async () => {
    const { code, output } = await run("-", undefined, `${LOG}\n`);
    assert.equal(code, 0);
    const records = output
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as { line: number; patternId: string; template: string });
    assert.deepEqual(
      records.map((r) => [r.line, r.template]),
      [
        [1, "user <*> logged in to the console"],
        [2, "disk <*> is full, said <*>"],
        [3, "user <*> logged in to the console"],
      ],
    );
    assert.equal(records[0]?.patternId, records[2]?.patternId);
    assert.notEqual(records[0]?.patternId, records[1]?.patternId);
  });

  it("prints every line with its final pattern, also the lines mined before their patterns merged", async () => {
    const lines = ["mlopez", "kchen", "dpatel", "sokafor", "jnovak"].map(
      (name, i) => `2015-10-18 18:01:4${i},978 WARN [main] org.example.Sync: upload for ${name} stopped because the copy changed`,
    );
    const { code, output } = await run("-", undefined, `${lines.join("\n")}\n`);
    assert.equal(code, 0);
    const records = output
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as { patternId: string; template: string });
    assert.equal(records.length, 5);
    assert.equal(new Set(records.map((r) => r.patternId)).size, 1);
    assert.ok(records.every((r) => r.template === "upload for <*> stopped because the copy changed"));
  });

  it("prints CSV with a header and quoted fields, from a file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "patterns-test-"));
    try {
      const file = join(dir, "app.log");
      writeFileSync(file, `${LOG}\r\n`);
      const { code, output } = await run(file, "csv");
      assert.equal(code, 0);
      const rows = parseCsv(output);
      assert.deepEqual(rows[0], ["LineId", "EventId", "EventTemplate"]);
      assert.equal(rows.length, 4);
      assert.deepEqual(rows[2]?.[2], "disk <*> is full, said <*>");
      assert.equal(rows[1]?.[1], rows[3]?.[1]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("fails with exit code 1 on a missing file", async () => {
    const { code } = await run(join(tmpdir(), "no-such-file-for-sluice.log"), "ndjson");
    assert.equal(code, 1);
  });
});
