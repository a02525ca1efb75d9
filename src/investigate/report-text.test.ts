import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { InvestigationReport } from "../core/investigation.ts";
import { reportText } from "./report-text.ts";

const report: InvestigationReport = {
  incidentId: "inc-1",
  incidentKey: "INC-7",
  version: 2,
  trigger: "opened",
  startedAt: 0,
  finishedAt: 1,
  outcome: "hypothesis",
  reason: null,
  hypotheses: [
    { component: "bank", confidence: 0.9, statement: "bank is the likely root cause (confidence 90%)", evidence: ["metrics-1"] },
  ],
  evidence: [{ id: "metrics-1", source: "metrics", query: "q", summary: "bank error-ratio departed", link: null }],
  steps: [],
  actions: [{ kind: "runbook", text: "Runbook: Roll back bank.", link: "https://runbooks/bank", evidence: ["runbook-1"] }],
  rootCause: "bank — bank is the likely root cause",
};

describe("report text", () => {
  it("leads with the analysis's hypothesis, then the model's narrative labelled as the model's", () => {
    const text = reportText({
      ...report,
      narrative: {
        model: "gpt-4o-mini",
        text: "bank fails since onset.",
        hypotheses: [{ component: "bank", statement: "its pool", evidence: ["metrics-1"] }],
      },
    });
    const lines = text.split("\n");
    assert.equal(lines[0], "Sluice investigation of INC-7 (version 2, opened)");
    assert.equal(lines[1], "Hypothesis: bank is the likely root cause (confidence 90%)");
    assert.equal(lines[3], "Narrative (gpt-4o-mini, every hypothesis checked against the evidence): bank fails since onset.");
    assert.equal(lines[4], "- bank: its pool [metrics-1]");
    assert.ok(text.includes("- Runbook: Roll back bank. https://runbooks/bank"));
    assert.ok(!reportText(report).includes("Narrative"), "no narrative without a model");
  });
});
