import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SerialQueue } from "./serial-queue.ts";

describe("SerialQueue", () => {
  it("handles ids one at a time in arrival order, once each while waiting, and sheds past the bound", async () => {
    const handled: string[] = [];
    let active = 0;
    let shed = 0;
    /** Records what it handles and checks that nothing overlaps. */
    class Recorder extends SerialQueue {
      protected override async handle(id: string): Promise<void> {
        active++;
        assert.equal(active, 1, "one at a time");
        await new Promise((resolve) => setImmediate(resolve));
        handled.push(id);
        active--;
      }
    }
    const queue = new Recorder({ maxPending: 3, onShed: () => shed++ });
    queue.enqueue(["a", "b", "a", "c", "d"]);
    await queue.flush();
    assert.deepEqual(handled, ["a", "b", "c"]);
    assert.equal(shed, 1, "d found the queue full");
    queue.enqueue(["a"]);
    await queue.shutdown();
    queue.enqueue(["e"]);
    await queue.flush();
    assert.deepEqual(handled, ["a", "b", "c", "a"], "nothing is taken after shutdown");
  });
});
