import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Change } from "../../../core/change.ts";
import type { ChangeQuery, ChangeRepository } from "../../../core/ports/change-repository.ts";
import { ONSET, testQuery } from "../test-query.ts";
import { ChangesCollector } from "./changes-collector.ts";

function change(fields: Partial<Change>): Change {
  return {
    id: "c",
    source: "argo",
    sourceId: "1",
    tenant: "acme",
    service: "bank",
    environment: "production",
    kind: "deploy",
    summary: "rollout",
    at: ONSET - 600_000,
    version: "v2",
    author: null,
    url: "https://ci.test/1",
    labels: {},
    receivedAt: ONSET,
    ...fields,
  };
}

describe("changes collector", () => {
  it("reads changes of the service and its neighbours before onset; each is evidence, deploys get a rollback", async () => {
    const asked: ChangeQuery[] = [];
    const repository: ChangeRepository = {
      insert: async () => new Set(),
      find: async (query) => {
        asked.push(query);
        return [
          change({}),
          change({ kind: "infrastructure", service: "checkout", at: ONSET - 3_600_000, url: null, summary: "node pool resized" }),
        ];
      },
    };
    const out = await new ChangesCollector(repository, { skewMs: 300_000 }).collect(testQuery());
    assert.deepEqual(asked, [
      {
        tenant: "acme",
        environment: "production",
        services: ["payments", "checkout", "bank"],
        from: ONSET - 3_600_000,
        to: ONSET + 300_000,
        limit: 20,
      },
    ]);
    assert.deepEqual(
      out.items.map((i) => [i.id, i.summary, i.link]),
      [
        ["changes-1", "deploy of bank (v2) 10 min before onset: rollout", "https://ci.test/1"],
        ["changes-2", "infrastructure of checkout (v2) 60 min before onset: node pool resized", null],
      ],
    );
    assert.deepEqual(
      out.extra.map((e) => [e.kind, e.id, e.node]),
      [
        ["change", "changes-1", "bank"],
        ["change", "changes-2", "checkout"],
      ],
    );
    assert.deepEqual(
      out.actions.map((a) => [a.kind, a.evidence]),
      [["rollback", ["changes-1"]]],
    );
  });
});
