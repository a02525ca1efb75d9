import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SluiceError } from "../../core/errors.ts";
import { parseGraphCsv } from "./graph-csv.ts";
import { petshopNodeKind } from "./node-kind.ts";

describe("parseGraphCsv", () => {
  it("reads the adjacency matrix: a non-zero cell means the row's node calls the column's", () => {
    const table = parseGraphCsv(",a,b,c\na,0.0,1.0,0\nb,0,0,2\nc,0,0,0\n", "g.csv");
    assert.deepEqual(table.nodes, ["a", "b", "c"]);
    assert.deepEqual(table.edges, [
      { caller: "a", callee: "b" },
      { caller: "b", callee: "c" },
    ]);
  });

  it("names the file, row and cell of a bad value", () => {
    assert.throws(
      () => parseGraphCsv(",a,b\na,0,x\n", "g.csv"),
      (e: unknown) => e instanceof SluiceError && /^g\.csv: row 2 \(a\), column 3: "x" is not a number/.test(e.message),
    );
    assert.throws(() => parseGraphCsv("", "g.csv"), /g\.csv: no header row/);
  });
});

describe("petshopNodeKind", () => {
  it("reads X-Ray's naming: _remote is opaque, _client a client, the rest services", () => {
    assert.equal(petshopNodeKind("servi-searc.us-west-2.elb.amazonaws.com_remote"), "opaque");
    assert.equal(petshopNodeKind("PetSearch_client"), "client");
    assert.equal(petshopNodeKind("PetSearch_AWS::ECS::Fargate"), "service");
    assert.equal(petshopNodeKind("petInfo_AWS::DynamoDB::Table"), "service");
  });
});
