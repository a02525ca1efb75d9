import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { csvField, parseCsv } from "./csv.ts";

describe("csv", () => {
  it("quotes fields only when needed", () => {
    assert.equal(csvField("plain <*>"), "plain <*>");
    assert.equal(csvField('a, "b"'), '"a, ""b"""');
    assert.equal(csvField("two\nlines"), '"two\nlines"');
  });

  it("parses what it quotes", () => {
    const fields = ["x", 'a, "b"', "two\nlines", ""];
    assert.deepEqual(parseCsv(`${fields.map(csvField).join(",")}\r\n1,2,3,4\n`), [fields, ["1", "2", "3", "4"]]);
  });
});
