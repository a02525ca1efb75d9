import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hugeInvestigation, sampleInvestigation } from "../../testing/investigation-fixture.ts";
import { investigationWorkNote } from "./investigation-note.ts";

describe("ServiceNow investigation work note", () => {
  it("is a work note only (no state, no close notes) with the report's sections", () => {
    const body = investigationWorkNote(sampleInvestigation({ version: 2 }, 1), "https://sluice.example.com/incidents/1");
    assert.deepEqual(Object.keys(body), ["work_notes"]);
    const note = body.work_notes ?? "";
    assert.match(note, /^Sluice investigation of INC-42 \(version 2, opened\)\nSupersedes version 1/);
    for (const part of ["Hypothesis: payments", "Evidence:", "Steps executed:", "Recommended actions:", "Root cause: payments"]) {
      assert.ok(note.includes(part), part);
    }
  });

  it("stays within a journal field's 4 000 characters", () => {
    const note = investigationWorkNote(hugeInvestigation(), null).work_notes ?? "";
    assert.ok(note.length <= 4000, String(note.length));
    assert.match(note, /not shown \(platform limit\)/);
  });
});
