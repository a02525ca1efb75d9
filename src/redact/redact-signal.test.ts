import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Signal } from "../core/signal.ts";
import { signal } from "../testing/store-contract.ts";
import { keyedHash } from "./keyed-hash.ts";
import { type IdentityRedaction, redactSignal } from "./redact-signal.ts";
import { createRedactor } from "./redactor.ts";

const redactor = createRedactor();
const TOKEN = "ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d";
const identities: IdentityRedaction = { pseudonym: keyedHash("test-key-0123456789"), affectedUsers: "hash" };

function redacted(fields: Partial<Signal>, options = identities): Signal {
  const s = signal(fields);
  redactSignal(s, redactor, options);
  return s;
}

describe("redactSignal", () => {
  it("masks a secret used as a label or annotation key, and keeps the value", () => {
    const s = redacted({ labels: { [TOKEN]: "v", team: "payments" }, annotations: { [`note ${TOKEN}`]: "x" } });
    assert.doesNotMatch(JSON.stringify([s.labels, s.annotations]), /ghp_/);
    assert.deepEqual(s.labels, { "[REDACTED:github-token]": "v", team: "payments" });
  });

  it("keeps ids that hold a secret apart and recognisable: the mask plus a keyed hash of the original", () => {
    const one = redacted({ sourceId: `evt-${TOKEN}` });
    const again = redacted({ sourceId: `evt-${TOKEN}` });
    const other = redacted({ sourceId: "evt-ghp_AAAAde0IgxLd6GncfBAepfJBd0Kh8oOOL8d" });
    assert.match(one.sourceId, /^evt-\[REDACTED:github-token\]#[0-9a-f]{20}$/);
    assert.equal(again.sourceId, one.sourceId, "a re-sent signal is still a duplicate");
    assert.notEqual(other.sourceId, one.sourceId, "two different ids stay two signals");
    const plain = redacted({ sourceId: "evt-42", traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanIds: ["00f067aa0ba902b7"] });
    assert.deepEqual(
      [plain.sourceId, plain.traceId, plain.spanIds],
      ["evt-42", "4bf92f3577b34da6a3ce929d0e0e4736", ["00f067aa0ba902b7"]],
    );
  });

  it("keeps affected users as keyed hashes: countable, the same for the same user, not readable", () => {
    const s = redacted({ affectedUsers: ["alice@example.com", "u-2", "alice@example.com"] });
    assert.equal(s.affectedUsers.length, 3);
    for (const user of s.affectedUsers) assert.match(user, /^u:[0-9a-f]{20}$/);
    assert.equal(s.affectedUsers[0], s.affectedUsers[2]);
    assert.notEqual(s.affectedUsers[0], s.affectedUsers[1]);
    const elsewhere = redacted({ affectedUsers: ["u-2"] }, { ...identities, pseudonym: keyedHash("another-key-0123456789") });
    assert.notEqual(elsewhere.affectedUsers[0], s.affectedUsers[1], "the key matters: a hash cannot be looked up without it");
  });

  it("with affectedUsers: keep, keeps plain ids and hashes only those redaction would mask", () => {
    const s = redacted({ affectedUsers: ["u-2", "alice@example.com"] }, { ...identities, affectedUsers: "keep" });
    assert.equal(s.affectedUsers[0], "u-2");
    assert.match(s.affectedUsers[1] ?? "", /^u:[0-9a-f]{20}$/);
  });

  it("redacts a signal once, however often a source hands it in again", () => {
    const s = signal({ sourceId: `evt-${TOKEN}`, affectedUsers: ["alice@example.com"] });
    redactSignal(s, redactor, identities);
    const first = structuredClone(s);
    redactSignal(s, redactor, identities);
    assert.deepEqual(s, first);
  });
});
