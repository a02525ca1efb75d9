import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { after, describe, it } from "node:test";
import { parseCsv } from "../patterns/csv.ts";
import { type DetectOptions, detectCommand } from "./detect.ts";
import { main } from "./sluice.ts";

const dir = mkdtempSync(join(tmpdir(), "detect-test-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function run(path: string, options: DetectOptions, stdin = "") {
  let output = "";
  let errors = "";
  const stdout = new Writable({
    write(chunk, _encoding, done) {
      output += String(chunk);
      done();
    },
  });
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string) => {
    errors += chunk;
    return true;
  }) as typeof process.stderr.write;
  try {
    const code = await detectCommand(path, options, { stdin: Readable.from([stdin]), stdout });
    return { code, rows: parseCsv(output).filter((r) => r.length > 1), errors };
  } finally {
    process.stderr.write = write;
  }
}

const minutes = (values: number[]) =>
  `timestamp,value\n${values.map((v, i) => `2024-01-01 ${String(Math.floor(i / 60)).padStart(2, "0")}:${String(i % 60).padStart(2, "0")}:00,${v}`).join("\n")}\n`;

describe("sluice detect", () => {
  it("prints NAB's results format with the contextual detector by default", async () => {
    const values = Array.from({ length: 600 }, (_, i) => 10 + Math.sin(i / 7) + (i === 500 ? 40 : 0));
    const { code, rows } = await run(file("spike.csv", minutes(values)), {});
    assert.equal(code, 0);
    assert.deepEqual(rows[0], ["timestamp", "value", "anomaly_score"]);
    assert.equal(rows.length, 601);
    assert.deepEqual(rows[1]?.slice(0, 2), ["2024-01-01 00:00:00", "10"]);
    const scores = rows.slice(1).map((r) => Number(r[2]));
    assert.ok(scores.every((s) => s >= 0 && s <= 1));
    assert.equal(scores.indexOf(Math.max(...scores)), 500);
  });

  it("runs the detector --detector names with --params, and --explain adds firing and the reason", async () => {
    const { code, rows } = await run(file("t.csv", minutes([1, 5, 9, 2])), {
      detector: "threshold",
      params: '{"above": 4}',
      explain: true,
    });
    assert.equal(code, 0);
    assert.deepEqual(rows[0], ["timestamp", "value", "anomaly_score", "firing", "reason"]);
    assert.deepEqual(
      rows.slice(1).map((r) => r[3]),
      ["false", "true", "true", "false"],
    );
    assert.match(rows[2]?.[4] ?? "", /5 is above the limit 4/);
  });

  it("reads timestamp,good,total for slo-burn-rate", async () => {
    const lines = ["timestamp,good,total"];
    for (let i = 0; i <= 120; i++) {
      const bad = i > 90 ? (i - 90) * 100 : 0;
      lines.push(
        `2024-01-01T${String(Math.floor(i / 60)).padStart(2, "0")}:${String(i % 60).padStart(2, "0")}:00Z,${i * 100 - bad},${i * 100}`,
      );
    }
    const { code, rows } = await run(file("slo.csv", `${lines.join("\n")}\n`), {
      detector: "slo-burn-rate",
      params: '{"objective": 0.999}',
    });
    assert.equal(code, 0);
    assert.deepEqual(rows[0], ["timestamp", "good", "total", "anomaly_score"]);
    assert.ok(rows.slice(1, 90).every((r) => Number(r[3]) < 0.85));
    assert.ok(Number(rows[120]?.[3]) >= 0.85);
  });

  it("reads stdin for -", async () => {
    const { code, rows } = await run("-", { detector: "flatline", params: '{"for": "2m"}' }, minutes([1, 2, 2, 2, 2]));
    assert.equal(code, 0);
    assert.deepEqual(
      rows.slice(1).map((r) => Number(r[2]) >= 0.85),
      [false, false, false, true, true],
    );
  });

  it("explains bad parameters, a bad file and a missing one, with exit code 1", async () => {
    const csv = file("ok.csv", minutes([1, 2]));
    const noParams = await run(csv, { detector: "threshold" });
    assert.equal(noParams.code, 1);
    assert.match(noParams.errors, /invalid detector "threshold" or its --params\n {2}detector: give `above`, `below` or both/);
    const badJson = await run(csv, { detector: "trend", params: "{above: 1}" });
    assert.match(badJson.errors, /--params is not JSON/);
    const badDuration = await run(csv, { detector: "absent", params: '{"for": "often"}' });
    assert.match(badDuration.errors, /for: "often" is not a duration/);
    const badCsv = await run(file("bad.csv", "timestamp,value\n2024-01-01 00:00:00,x\n"), {});
    assert.equal(badCsv.code, 1);
    assert.match(badCsv.errors, /line 2: "x" is not a number/);
    const missing = await run(join(dir, "nope.csv"), {});
    assert.equal(missing.code, 1);
    assert.match(missing.errors, /ENOENT/);
  });

  it("is registered as `sluice detect`, with its detector names checked", async () => {
    const csv = file("registered.csv", minutes([1, 2]));
    let errors = "";
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => {
      errors += chunk;
      return true;
    }) as typeof process.stderr.write;
    try {
      assert.equal(await main(["detect", csv, "--detector", "threshold"]), 1);
      assert.match(errors, /give `above`, `below` or both/);
      assert.notEqual(await main(["detect", csv, "--detector", "magic"]), 0);
      assert.match(errors, /Allowed choices are threshold, seasonal, trend, flatline, absent, slo-burn-rate, contextual/);
    } finally {
      process.stderr.write = write;
    }
  });
});
