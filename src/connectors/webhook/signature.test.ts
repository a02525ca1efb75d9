import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, it } from "node:test";
import { signatureProblem, signPayload } from "./signature.ts";

const SECRET = "0123456789abcdef0123";
const BODY = '{"event":"create"}';
const NOW = 1_736_933_400;

describe("webhook signature", () => {
  it("is sha256= plus the hex HMAC of '<timestamp>.<body>' (the documented scheme)", () => {
    const expected = createHmac("sha256", SECRET).update(`${NOW}.${BODY}`).digest("hex");
    assert.equal(signPayload(SECRET, NOW, BODY), `sha256=${expected}`);
  });

  it("verifies its own signature", () => {
    const headers = { signature: signPayload(SECRET, NOW, BODY), timestamp: String(NOW) };
    assert.equal(signatureProblem(SECRET, headers, BODY, NOW + 10), null);
  });

  it("refuses a changed body, a changed timestamp, another key, an old request and missing headers", () => {
    const signature = signPayload(SECRET, NOW, BODY);
    assert.equal(signatureProblem(SECRET, { signature, timestamp: String(NOW) }, `${BODY} `, NOW), "signature mismatch");
    assert.equal(signatureProblem(SECRET, { signature, timestamp: String(NOW + 1) }, BODY, NOW), "signature mismatch");
    assert.equal(signatureProblem(`${SECRET}x`, { signature, timestamp: String(NOW) }, BODY, NOW), "signature mismatch");
    assert.equal(
      signatureProblem(SECRET, { signature, timestamp: String(NOW) }, BODY, NOW + 301),
      "timestamp outside the tolerance window",
    );
    assert.equal(
      signatureProblem(SECRET, { signature: undefined, timestamp: String(NOW) }, BODY, NOW),
      "missing X-Sluice-Signature",
    );
    assert.equal(
      signatureProblem(SECRET, { signature, timestamp: "soon" }, BODY, NOW),
      "missing or malformed X-Sluice-Timestamp",
    );
  });
});
