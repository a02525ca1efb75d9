import assert from "node:assert/strict";
import { describe, it } from "node:test";

/**
 * What a suite does when a real peer it needs could not be found or provisioned: in CI it fails (a green
 * run must have run everything); elsewhere it skips with a notice loud enough to see.
 */
export function missingPeer(suite: string, problem: string, remedy: string): void {
  if (process.env.CI === "true") {
    describe(suite, () => {
      it("has what it needs to run", () => assert.fail(`${problem}; CI needs it: ${remedy}`));
    });
    return;
  }
  console.warn(`\n!!! ${suite} SKIPPED: ${problem}.\n!!! ${remedy}\n`);
  it(suite, { skip: problem }, () => {});
}
