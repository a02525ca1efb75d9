import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Change } from "../../../core/change.ts";
import type { ChangeRepository } from "../../../core/ports/change-repository.ts";
import type { IncidentRepository } from "../../../core/ports/store.ts";
import type { Signal } from "../../../core/signal.ts";
import { ONSET, testQuery } from "../test-query.ts";
import { groupByPattern, LogsCollector } from "./logs-collector.ts";

function signal(service: string, errorPattern: string, occurredAt: number): Signal {
  return { service, errorPattern, occurredAt, message: `${errorPattern} (#${occurredAt})`, title: "t" } as Signal;
}

describe("logs collector", () => {
  const signals = [
    signal("payments", "timeout calling bank", ONSET + 2000),
    signal("payments", "timeout calling bank", ONSET + 1000),
    signal("bank", "NullPointerException in LedgerWriter.append", ONSET + 500),
    signal("payments", "timeout calling bank", ONSET + 3000),
  ];

  it("groups signals by service and pattern, most frequent first, with the first time each was seen", () => {
    assert.deepEqual(
      groupByPattern(signals).map((g) => [g.service, g.pattern, g.count, g.firstSeen]),
      [
        ["payments", "timeout calling bank", 3, ONSET + 1000],
        ["bank", "NullPointerException in LedgerWriter.append", 1, ONSET + 500],
      ],
    );
  });

  it("calls out a pattern first seen after its service's last deploy", async () => {
    const deploy = { service: "bank", at: ONSET - 120_000, version: "v7", kind: "deploy" } as Change;
    const incidents = { signals: async () => signals } as unknown as IncidentRepository;
    const changes: ChangeRepository = { insert: async () => new Set(), find: async () => [deploy] };
    const out = await new LogsCollector(incidents, changes, { signals: 100, deployLookback: 86_400_000 }).collect(testQuery());
    assert.deepEqual(
      out.extra.map((e) => e.kind === "error-pattern" && [e.id, e.node, e.afterChange]),
      [
        ["logs-1", "payments", false],
        ["logs-2", "bank", true],
      ],
    );
    assert.match(out.items[1]?.summary ?? "", /NEW since the deploy of bank v7 at 2026-11-02T09:58:00.000Z/);
    assert.doesNotMatch(out.items[0]?.summary ?? "", /NEW/);
  });
});
