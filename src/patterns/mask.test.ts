import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { maskMessage } from "./mask.ts";

describe("maskMessage", () => {
  const samePattern: [string, string][] = [
    [
      "timeout after 1200ms calling payments for request 8f3a9c21d0",
      "timeout after 90ms calling payments for request 77b1e2ff00",
    ],
    ["user 123 not found", "user 98765 not found"],
    ["connect ECONNREFUSED 10.0.0.12:5432", "connect ECONNREFUSED 10.0.3.7:6432"],
    ['failed to parse "abc"', "failed to parse 'x y z'"],
    ["order=1 status=failed amount=12.50", "order=77 status=ok amount=3"],
    ["cannot open /var/lib/app/data/12.db", "cannot open /tmp/x/y.db"],
    ["trace 0af7651916cd43dd8448eb211c80319c failed", "trace 4bf92f3577b34da6a3ce929d0e0e4736 failed"],
    ["id 123e4567-e89b-12d3-a456-426614174000 expired", "id 00000000-0000-4000-8000-000000000000 expired"],
    ["mail to a.b@example.com bounced", "mail to ops@corp.example.org bounced"],
  ];
  for (const [a, b] of samePattern) {
    it(`groups "${a}" with "${b}"`, () => assert.equal(maskMessage(a), maskMessage(b)));
  }

  const different: [string, string][] = [
    ["connection pool exhausted", "connection refused"],
    ["user 1 not found", "order 1 not found"],
    ["disk full on /var", "disk slow on /var"],
  ];
  for (const [a, b] of different) {
    it(`keeps "${a}" apart from "${b}"`, () => assert.notEqual(maskMessage(a), maskMessage(b)));
  }

  it("keeps the words of the message", () => {
    assert.equal(maskMessage("Payment 42 declined by gateway"), "Payment <*> declined by gateway");
  });
});
