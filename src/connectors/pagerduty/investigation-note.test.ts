import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hugeInvestigation, sampleInvestigation } from "../../testing/investigation-fixture.ts";
import { investigationNote } from "./investigation-note.ts";

describe("PagerDuty investigation note", () => {
  it("carries the report as the note's content", () => {
    const { note } = investigationNote(sampleInvestigation(), null);
    assert.match(note.content, /^Sluice investigation of INC-42/);
    assert.match(note.content, /Recommended actions:\n1\. Roll back payments deploy v2\.4\.0/);
  });

  it("stays under PagerDuty's 25 KB counted in bytes, with multibyte text", () => {
    const { note } = investigationNote(hugeInvestigation(), null);
    assert.ok(Buffer.byteLength(note.content) <= 25_000, String(Buffer.byteLength(note.content)));
    // Characters alone would have allowed more: the limit is bytes.
    assert.ok(note.content.length < Buffer.byteLength(note.content));
    assert.match(note.content, /not shown \(platform limit\)/);
  });
});
