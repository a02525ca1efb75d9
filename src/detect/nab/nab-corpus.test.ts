import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { loadNabCorpus } from "./nab-corpus.ts";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function corpus(windows: Record<string, [string, string][]>): string {
  const dir = mkdtempSync(join(tmpdir(), "nab-corpus-"));
  dirs.push(dir);
  mkdirSync(join(dir, "data", "realThings"), { recursive: true });
  mkdirSync(join(dir, "labels"));
  mkdirSync(join(dir, "config"));
  const rows = Array.from({ length: 10 }, (_, i) => `2014-04-01 00:0${i}:00,${i}`);
  writeFileSync(join(dir, "data", "realThings", "a.csv"), `timestamp,value\n${rows.join("\n")}\n`);
  writeFileSync(join(dir, "data", "realThings", "unlabelled.csv"), "timestamp,value\n2014-04-01 00:00:00,1\n");
  writeFileSync(join(dir, "labels", "combined_windows.json"), JSON.stringify(windows));
  writeFileSync(
    join(dir, "config", "profiles.json"),
    JSON.stringify({ standard: { CostMatrix: { tpWeight: 1, fpWeight: 0.11, fnWeight: 1 } } }),
  );
  return dir;
}

describe("loadNabCorpus", () => {
  it("reads the labelled files with their windows as point indices, and the profiles", () => {
    const c = loadNabCorpus(corpus({ "realThings/a.csv": [["2014-04-01 00:06:00.000000", "2014-04-01 00:08:00.000000"]] }));
    assert.equal(c.series.length, 1);
    const s = c.series[0];
    assert.equal(s?.name, "realThings/a.csv");
    assert.equal(s?.category, "realThings");
    assert.deepEqual(s?.windows, [[6, 8]]);
    assert.equal(s?.length, 10);
    assert.deepEqual(c.profiles.standard, { tpWeight: 1, fpWeight: 0.11, fnWeight: 1 });
  });

  it("names the file whose window does not fall on its points, and a directory that is not a corpus", () => {
    assert.throws(
      () => loadNabCorpus(corpus({ "realThings/a.csv": [["2014-04-01 00:06:30", "2014-04-01 00:08:00"]] })),
      /realThings\/a\.csv: window 2014-04-01 00:06:30\.\.2014-04-01 00:08:00 is not on data points/,
    );
    assert.throws(() => loadNabCorpus(tmpdir()), /not a NAB corpus/);
  });
});
