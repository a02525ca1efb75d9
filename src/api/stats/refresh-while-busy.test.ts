import assert from "node:assert/strict";
import { it } from "node:test";
import { RefreshWhileBusy } from "./refresh-while-busy.ts";

it("computes at every scrape while ingest is quiet, and while it is busy serves the last figures up to maxAgeMs old", async () => {
  let now = 0;
  let busy = false;
  let computed = 0;
  let release: (() => void) | null = null;
  const refresher = new RefreshWhileBusy(
    () =>
      new Promise<void>((resolve) => {
        computed++;
        release = resolve;
      }),
    { busy: () => busy, maxAgeMs: 60_000, now: () => now },
  );
  const scrape = async () => {
    const done = refresher.beforeScrape();
    const settled = await Promise.race([done.then(() => true), new Promise((r) => setImmediate(() => r(false)))]);
    if (!settled) {
      (release as (() => void) | null)?.();
      await done;
      return "waited";
    }
    return "at once";
  };

  busy = true;
  assert.equal(await scrape(), "waited", "the first figures are computed before the scrape answers, busy or not");
  assert.equal(computed, 1);
  now += 30_000;
  assert.equal(await scrape(), "at once", "busy: the last figures, half a minute old");
  assert.equal(computed, 1);
  now += 31_000;
  assert.equal(await scrape(), "at once", "busy and over a minute old: answered at once, refreshed behind");
  assert.equal(computed, 2);
  assert.equal(await scrape(), "at once", "one refresh at a time");
  assert.equal(computed, 2);
  (release as (() => void) | null)?.();
  await new Promise((resolve) => setImmediate(resolve));
  busy = false;
  assert.equal(await scrape(), "waited", "quiet: computed before the scrape answers");
  assert.equal(computed, 3);
});
