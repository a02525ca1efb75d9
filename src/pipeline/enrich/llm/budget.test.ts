import assert from "node:assert/strict";
import { it } from "node:test";
import { ManualClock } from "../../../core/clock.ts";
import { CallBudget } from "./budget.ts";

it("allows maxPerHour calls in any sliding hour", () => {
  const clock = new ManualClock(0);
  const budget = new CallBudget(2, clock);
  assert.equal(budget.take(), true);
  clock.advance(30 * 60_000);
  assert.equal(budget.take(), true);
  assert.equal(budget.available(), false);
  assert.equal(budget.take(), false);
  clock.advance(30 * 60_000);
  assert.equal(budget.take(), true, "the first call left the window");
  assert.equal(budget.take(), false);
  assert.equal(budget.used, 2);
});

it("a zero budget never calls", () => {
  assert.equal(new CallBudget(0, new ManualClock(0)).take(), false);
});
