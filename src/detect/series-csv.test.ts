import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseSeriesCsv, parseTimestamp } from "./series-csv.ts";

describe("parseSeriesCsv", () => {
  it("reads NAB's timestamp,value rows, keeping each timestamp as written", () => {
    const csv = parseSeriesCsv("timestamp,value\n2014-04-01 00:00:00,18.3\r\n2014-04-01 00:05:00,-2\n\n");
    assert.deepEqual(csv.stamps, ["2014-04-01 00:00:00", "2014-04-01 00:05:00"]);
    assert.deepEqual(Array.from(csv.values), [18.3, -2]);
    assert.equal(csv.times[1], Date.UTC(2014, 3, 1, 0, 5));
  });

  it("takes the columns by name and keeps rows whose time goes back, as real exports have them", () => {
    const csv = parseSeriesCsv("value,timestamp\n1,2014-04-01T00:05:00Z\n2,2014-04-01T00:00:00Z\n");
    assert.deepEqual(Array.from(csv.values), [1, 2]);
    assert.ok((csv.times[1] as number) < (csv.times[0] as number));
  });

  it("names the first bad line", () => {
    assert.throws(() => parseSeriesCsv("time,v\n"), /line 1 must be a header with "timestamp" and "value"/);
    assert.throws(
      () => parseSeriesCsv("timestamp,value\n2014-04-01 00:00:00,1\nyesterday,2\n", "f.csv"),
      /f\.csv: line 3: "yesterday" is not a timestamp/,
    );
    assert.throws(() => parseSeriesCsv("timestamp,value\n2014-04-01 00:00:00,\n"), /line 2: "" is not a number/);
  });
});

describe("parseTimestamp", () => {
  it("reads NAB stamps (fractional seconds too), ISO 8601 with a zone and epoch seconds; no zone means UTC", () => {
    assert.equal(parseTimestamp("2014-04-10 07:15:00.000000"), Date.UTC(2014, 3, 10, 7, 15));
    assert.equal(parseTimestamp("2014-04-10T09:15:00+02:00"), Date.UTC(2014, 3, 10, 7, 15));
    assert.equal(parseTimestamp("1397114100"), Date.UTC(2014, 3, 10, 7, 15));
    assert.ok(Number.isNaN(parseTimestamp("10/04/2014")));
  });
});
