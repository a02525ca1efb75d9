import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { InvestigationRepository } from "../../../core/ports/investigation-repository.ts";
import type { SimilarIncidents, SimilarMatch } from "../../../pipeline/enrich/providers/similar-incidents.ts";
import { testQuery } from "../test-query.ts";
import { HistoryCollector } from "./history-collector.ts";

function match(key: string, service: string, score: number, resolution: string): SimilarMatch {
  return {
    key,
    title: `${service} errors`,
    service,
    resolvedAt: 1,
    resolution,
    score,
    incidentId: `id-${key}`,
    environment: "production",
    firstSeenAt: 0,
    match: { text: 0.5, samePattern: true, sameService: true, sameEnvironment: true },
  };
}

describe("history collector", () => {
  it("cites similar resolved incidents, prefers what their investigation concluded, and recommends their resolution", async () => {
    const similar = {
      find: async () => [
        match("INC-4", "payments", 1.2, "resolved by alice: restarted the bank connector"),
        match("INC-2", "checkout", 0.6, ""),
      ],
    } as unknown as SimilarIncidents;
    const investigations = {
      report: async (id: string) =>
        id === "id-INC-4"
          ? { outcome: "hypothesis", hypotheses: [{ component: "bank", confidence: 0.8, statement: "", evidence: [] }] }
          : null,
    } as unknown as InvestigationRepository;
    const out = await new HistoryCollector(similar, investigations, {
      incidentUrl: (key) => `https://sluice.test/${key}`,
    }).collect(testQuery());
    assert.deepEqual(
      out.extra.map((e) => e.kind === "similar-incident" && [e.id, e.node, e.similarity]),
      [
        ["history-1", "bank", 1],
        ["history-2", "checkout", 0.5],
      ],
    );
    assert.match(out.items[0]?.summary ?? "", /INC-4 \(payments\).*its investigation named bank/);
    assert.deepEqual(
      out.actions.map((a) => [a.kind, a.text, a.link]),
      [["past-resolution", "As in INC-4: resolved by alice: restarted the bank connector", "https://sluice.test/INC-4"]],
    );
  });

  it("asks the batch's reads first: a tenant with no incident resolved in the lookback is not searched", async () => {
    const searched: string[] = [];
    const similar = {
      find: async (target: { tenant: string }) => {
        searched.push(target.tenant);
        return [match("INC-4", "payments", 1, "restarted")];
      },
    } as unknown as SimilarIncidents;
    const investigations = { report: async () => null } as unknown as InvestigationRepository;
    const asked: [string, number][] = [];
    const collector = new HistoryCollector(similar, investigations, { incidentUrl: () => null, lookback: 3_600_000 });
    const query = testQuery();
    const withPast = (past: boolean) => ({
      signals: async () => [],
      changes: async () => [],
      mayHavePast: async (tenant: string, since: number) => {
        asked.push([tenant, since]);
        return past;
      },
    });
    assert.deepEqual((await collector.collect({ ...query, reads: withPast(false) })).items, []);
    assert.deepEqual(searched, []);
    const found = await collector.collect({ ...query, reads: withPast(true) });
    assert.deepEqual(
      found.items.map((item) => item.id),
      ["history-1"],
    );
    assert.deepEqual(searched, [query.incident.tenant]);
    assert.deepEqual(asked, [
      [query.incident.tenant, query.to - 3_600_000],
      [query.incident.tenant, query.to - 3_600_000],
    ]);
  });
});
