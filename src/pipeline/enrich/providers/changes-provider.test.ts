import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { T0, testChange } from "../../../changes/test-fixtures.ts";
import { newId } from "../../../core/ids.ts";
import type { Signal } from "../../../core/signal.ts";
import { SqliteStore } from "../../../store/sqlite/sqlite-store.ts";
import type { EnrichTarget } from "../enricher.ts";
import { ChangesProvider } from "./changes-provider.ts";

const MINUTE = 60_000;

function target(fields: Partial<EnrichTarget> = {}): EnrichTarget {
  return {
    incidentId: newId(),
    tenant: "default",
    service: "checkout",
    environment: "production",
    errorPattern: "timeout",
    title: "checkout: timeout",
    summary: "timeouts",
    firstSeenAt: T0,
    signal: {} as Signal,
    now: T0,
    ...fields,
  };
}

describe("changes enrichment step", () => {
  let store: SqliteStore;
  before(async () => {
    store = await SqliteStore.open({ dataDir: ":memory:", synchronous: "full" });
    await store.changes.insert([
      testChange({ summary: "own deploy 30m before", at: T0 - 30 * MINUTE, version: "v7", author: "jane", url: "https://ci/7" }),
      testChange({ summary: "payments config 10m before", service: "payments", kind: "config", at: T0 - 10 * MINUTE }),
      testChange({ summary: "own deploy 3h before", at: T0 - 3 * 60 * MINUTE }),
      testChange({ summary: "own deploy 2m after (clock skew)", at: T0 + 2 * MINUTE }),
      testChange({ summary: "own deploy 20m after", at: T0 + 20 * MINUTE }),
      testChange({ summary: "unrelated service", service: "search", at: T0 - MINUTE }),
      testChange({ summary: "staging deploy", environment: "staging", at: T0 - MINUTE }),
      testChange({ summary: "other tenant", tenant: "globex", at: T0 - MINUTE }),
    ]);
  });
  after(() => store.close());

  test("attaches the service's and its dependencies' changes within lookback and skew, newest first", async () => {
    const provider = new ChangesProvider({ changes: store.changes, dependenciesOf: () => ["payments", "checkout"] });
    assert.equal(provider.name, "changes");
    const { changes } = await provider.enrich(target());
    assert.deepEqual(
      changes.map((c) => [c.summary, c.relation]),
      [
        ["own deploy 2m after (clock skew)", "service"],
        ["payments config 10m before", "dependency"],
        ["own deploy 30m before", "service"],
      ],
    );
    const own = changes[2];
    assert.equal(own?.version, "v7");
    assert.equal(own?.author, "jane");
    assert.equal(own?.url, "https://ci/7");
    assert.equal(own?.kind, "deploy");
    assert.equal(own?.at, T0 - 30 * MINUTE);
  });

  test("without dependencies only the service's own changes count", async () => {
    const { changes } = await new ChangesProvider({ changes: store.changes }).enrich(target());
    assert.deepEqual(
      changes.map((c) => c.summary),
      ["own deploy 2m after (clock skew)", "own deploy 30m before"],
    );
  });

  test("lookback, skew and the cap are configurable; asynchronous dependency lookups work", async () => {
    const provider = new ChangesProvider({
      changes: store.changes,
      dependenciesOf: async () => ["payments"],
      lookbackMs: 4 * 60 * MINUTE,
      skewMs: 0,
      limit: 2,
    });
    const { changes } = await provider.enrich(target());
    assert.deepEqual(
      changes.map((c) => c.summary),
      ["payments config 10m before", "own deploy 30m before"],
      "no skew drops the later deploy; the cap of 2 drops the 3h-old one the longer lookback found",
    );
    const wide = new ChangesProvider({ changes: store.changes, lookbackMs: 4 * 60 * MINUTE, limit: 10 });
    assert.ok((await wide.enrich(target())).changes.some((c) => c.summary === "own deploy 3h before"));
  });

  test("the incident's tenant and environment choose the changes", async () => {
    const staging = await new ChangesProvider({ changes: store.changes }).enrich(target({ environment: "staging" }));
    assert.deepEqual(
      staging.changes.map((c) => c.summary),
      ["staging deploy"],
    );
    const globex = await new ChangesProvider({ changes: store.changes }).enrich(target({ tenant: "globex" }));
    assert.deepEqual(
      globex.changes.map((c) => c.summary),
      ["other tenant"],
    );
  });
});
