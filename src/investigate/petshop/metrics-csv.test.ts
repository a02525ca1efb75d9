import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SluiceError } from "../../core/errors.ts";
import { parseMetricsCsv } from "./metrics-csv.ts";

const TEXT = [
  "microservice,a,a,PGSQL Query_remote,",
  "metric,latency,availability,latency,",
  "statistic,Average,Average,p99,",
  "unix_timestamp,,,,",
  "1681855320.0,0.5,100,,",
  "1681855620.0,0.7,99.5,0.01,",
].join("\n");

const rejects = (text: string, pattern: RegExp) =>
  assert.throws(
    () => parseMetricsCsv(text, "x/metrics.csv"),
    (e: unknown) =>
      e instanceof SluiceError &&
      e.code === "VALIDATION_FAILED" &&
      pattern.test(e.message) &&
      e.message.startsWith("x/metrics.csv"),
  );

describe("parseMetricsCsv", () => {
  it("reads the four header rows into columns and the rows into epoch-ms timestamps", () => {
    const table = parseMetricsCsv(TEXT, "m.csv");
    assert.deepEqual(table.timestamps, [1681855320000, 1681855620000]);
    assert.deepEqual(
      table.columns.map((c) => [c.node, c.metric, c.statistic, [...c.values]]),
      [
        ["a", "latency", "Average", [0.5, 0.7]],
        ["a", "availability", "Average", [100, 99.5]],
        ["PGSQL Query_remote", "latency", "p99", [Number.NaN, 0.01]],
      ],
    );
  });

  it("names the file and the problem when the format is wrong", () => {
    rejects(TEXT.replace("statistic,", "stat,"), /header row 3 must start with "statistic"/);
    rejects(TEXT.replace("0.7,", "slow,"), /row 6, column 2: "slow" is not a number/);
    rejects(TEXT.replace("1681855620.0", "1681855020.0"), /timestamps must increase/);
    rejects(TEXT.replace("1681855620.0", ""), /is not a Unix time/);
    rejects("", /header row 1 must start with "microservice"/);
  });
});
