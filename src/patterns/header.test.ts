import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isSpace, stripHeader } from "./header.ts";

describe("stripHeader", () => {
  const cases: [string, string][] = [
    ["081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 terminating", "PacketResponder 1 terminating"],
    ["2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.X: Created MRAppMaster", "Created MRAppMaster"],
    [
      "2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:2181:FastLeaderElection@774] - Notification time out: 3200",
      "Notification time out: 3200",
    ],
    ["[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6", "mod_jk child workerEnv in error state 6"],
    ["Jul  1 09:01:05 host-1 com.apple.CDScheduler[43]: Thermal pressure state: 1", "Thermal pressure state: 1"],
    ["Jul  1 09:01:05 host-1 Microsoft Word[43]: Opened", "Opened"],
    ["x.log 2017-05-16 00:00:00.008 25746 INFO nova.api.server [req-1 - - -] 10.11.10.1 GET", "10.11.10.1 GET"],
    [
      "- 1117838570 2005.06.03 R02-M1 2005-06-03-15.42.50.675872 R02-M1 RAS KERNEL INFO cache parity error corrected",
      "cache parity error corrected",
    ],
    ["2015-07-29 17:41:44,747 - INFO [main] - autopurge.purgeInterval set to 0", "autopurge.purgeInterval set to 0"],
  ];
  for (const [line, message] of cases) {
    it(`strips "${line.slice(0, 40)}…"`, () => assert.equal(stripHeader(line), message));
  }

  it("stays linear on long lines", () => {
    const start = performance.now();
    for (const s of [`Jul  1 09:00:55 h ${"a ".repeat(20_000)}`, `INFO ${"[".repeat(40_000)}`, `INFO ${"a.".repeat(20_000)}`])
      stripHeader(s);
    assert.ok(performance.now() - start < 500, `took ${(performance.now() - start).toFixed(0)} ms`);
  });

  it("leaves a line without a recognisable header alone", () => {
    assert.equal(stripHeader("connection refused by upstream"), "connection refused by upstream");
    assert.equal(stripHeader(""), "");
  });
});

describe("isSpace", () => {
  it("is /\\s/ for every UTF-16 code unit", () => {
    for (let code = 0; code < 65536; code++) {
      assert.equal(isSpace(code), /\s/.test(String.fromCharCode(code)), `code ${code}`);
    }
  });

  it("separates header fields at any whitespace, as before", () => {
    assert.equal(stripHeader("2026-01-02\u00a012:00:00\tINFO\u2003disk full"), "disk full");
  });
});
