import assert from "node:assert/strict";
import { it } from "node:test";
import { automationSuccess } from "./automation-success.ts";

const playbook = (name: string, runs: number, verified: number, failed: number, succeeded: number) => ({
  playbook: name,
  runs,
  verified,
  failed,
  rolledBack: 0,
  escalated: failed,
  succeeded,
  successRate: null,
});

it("M10: healed runs over concluded runs, across playbooks; null before any run concluded", () => {
  assert.deepEqual(automationSuccess([]), { ratio: null, succeeded: 0, concluded: 0, runs: 0 });
  // A verified run that a human touched, or whose incident reopened, concluded without healing.
  assert.deepEqual(automationSuccess([playbook("a", 4, 3, 1, 2), playbook("b", 2, 0, 1, 0)]), {
    ratio: 2 / 5,
    succeeded: 2,
    concluded: 5,
    runs: 6,
  });
  assert.equal(automationSuccess([playbook("running", 1, 0, 0, 0)]).ratio, null, "a run still verifying has not concluded");
});
