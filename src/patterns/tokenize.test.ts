import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { maskVariables, tokenize } from "./tokenize.ts";

describe("tokenize", () => {
  const cases: [string, string][] = [
    ["PacketResponder 1 for block blk_-6952295868487656571 terminating", "PacketResponder <*> for block <*> terminating"],
    ["connect to 10.0.0.12:5432 failed", "connect to <*> failed"],
    ["took 0.2477829 seconds", "took <*> seconds"],
    ["id 123e4567-e89b-12d3-a456-426614174000 expired", "id <*> expired"],
    ["hash 0af7651916cd43dd8448eb211c80319c and 0x7fff", "hash <*> and <*>"],
    ["cannot open /var/lib/app/data.db or ./run/x or /home/a//b.rts", "cannot open <*> or <*> or <*>"],
    ['GET "/x" from "GET /v2/servers HTTP/1.1"', 'GET <*> from "GET <*> HTTP/<*>"'],
    ["order=1 status=failed amount=12.50", "order=<*> status=<*> amount=<*>"],
    ["BSSID changed to 5c:50:15:36:bc:03 via 2607:f140:6000:8:c6b3:1ff:fecd:467f", "BSSID changed to <*> via <*>"],
    ["stored 5.2 KB, free 317.1 KB", "stored <*>, free <*>"],
    ["owner com.apple.iokit.IO80211Family ready", "owner <*> ready"],
    ["mail a.b@example.com at https://x.example/p?q=1 now", "mail <*> at <*> now"],
    // A date written out is a value, names of days and months included; the same words elsewhere are words.
    ["connection from 1.2.3.4 at Sun Jul 10 03:55:15 2005 closed", "connection from <*> at <*> closed"],
    ["report of 07 Jul 2017 sent", "report of <*> sent"],
    ["May I retry on Mon", "May I retry on Mon"],
    // A boolean is printed from a variable.
    ["enterQuietMode(true) returned False", "enterQuietMode(<*>) returned <*>"],
    // A bound stands for a value, and a value's bracketed annotation goes with it.
    ["closed, 0 bytes sent, lifetime <1 sec", "closed, <*> sent, lifetime <*>"],
    ["closed, 1190 bytes (1.16 KB) sent, lifetime 00:02", "closed, <*> sent, lifetime <*>"],
    ["worker (3) of pool (<*>) idle", "worker (<*>) of pool (<*>) idle"],
  ];
  for (const [message, masked] of cases) {
    it(`masks "${message}"`, () => assert.equal(tokenize(message).join(" "), masked));
  }

  it("keeps words and collapses runs of wildcards and whitespace", () => {
    assert.deepEqual(tokenize("  users  1 2 3   logged in "), ["users", "<*>", "logged", "in"]);
  });

  it("masks only the variable part of a token", () => {
    assert.equal(maskVariables("port:8080 (pid 42)"), "port:<*> (pid <*>)");
  });

  it("stays linear on long runs without spaces", () => {
    const start = performance.now();
    for (const s of ["a.".repeat(20_000), "a-".repeat(20_000), "/a".repeat(20_000), "x".repeat(40_000), '"'.repeat(40_000)]) {
      tokenize(s);
    }
    assert.ok(performance.now() - start < 500, `took ${(performance.now() - start).toFixed(0)} ms`);
  });
});
