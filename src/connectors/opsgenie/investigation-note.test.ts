import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hugeInvestigation, sampleInvestigation } from "../../testing/investigation-fixture.ts";
import { investigationNoteText } from "./investigation-note.ts";

describe("Opsgenie investigation note", () => {
  it("holds the report's sections within 25 000 characters", () => {
    assert.match(investigationNoteText(sampleInvestigation(), null), /Hypothesis: payments[\s\S]*Root cause: payments/);
    const huge = investigationNoteText(hugeInvestigation(), null);
    assert.ok(huge.length <= 25_000, String(huge.length));
    assert.match(huge, /not shown \(platform limit\)/);
  });
});
