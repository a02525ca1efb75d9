import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { resultForSlackError, resultForWebhookError } from "./slack-errors.ts";

describe("Slack error codes", () => {
  it("knows its documented codes", () => {
    assert.deepEqual(resultForSlackError("chat.postMessage", "channel_not_found"), {
      kind: "permanent",
      category: "configuration",
      reason: "Slack chat.postMessage failed: channel_not_found (check the channel and invite the bot to it)",
    });
  });

  it("treats a code named like an Object property as an unknown refusal, not as a category", () => {
    const fallback = { kind: "permanent", category: "rejected", reason: "HTTP 400" } as const;
    // Slack codes are snake_case; only those reach the lookup.
    for (const name of ["constructor", "__proto__", "valueof"]) {
      assert.deepEqual(resultForSlackError("chat.postMessage", name), {
        kind: "permanent",
        category: "rejected",
        reason: `Slack chat.postMessage failed: ${name}`,
      });
      assert.deepEqual(resultForWebhookError(400, name, fallback), fallback, name);
    }
  });
});
