import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkAnswer, cleanText, extractJsonObject, MAX_SUMMARY_CHARS } from "./output.ts";

const context = {
  incidentSeverity: "medium" as const,
  forbidden: ["sk-secret-123456"],
  inputText: "see https://runbook.example.com/db",
};

describe("checkAnswer", () => {
  it("caps long summaries instead of rejecting them, and rejects absurd ones", () => {
    const long = checkAnswer(JSON.stringify({ summary: "x".repeat(5_000) }), context);
    assert.ok(long.ok);
    assert.equal(long.value.summary.length, MAX_SUMMARY_CHARS);
    assert.equal(checkAnswer(JSON.stringify({ summary: "x".repeat(9_000) }), context).ok, false);
  });

  it("rejects empty and whitespace-only summaries", () => {
    assert.equal(checkAnswer('{"summary":"   "}', context).ok, false);
    assert.equal(checkAnswer('{"summary":"\\u0007\\u0008"}', context).ok, false);
  });

  it("ignores unknown severities and null optional fields", () => {
    const result = checkAnswer('{"summary":"s","probableCause":null,"suggestedSeverity":"sev0"}', context);
    assert.ok(result.ok);
    assert.equal(result.value.suggestedSeverity, undefined);
    assert.equal(result.value.probableCause, undefined);
    assert.deepEqual(result.value.notes, ['ignored unknown severity "sev0"']);
  });

  it("never lowers severity: below the incident is dropped, equal or above is kept", () => {
    const low = checkAnswer('{"summary":"s","suggestedSeverity":"low"}', context);
    assert.ok(low.ok && low.value.suggestedSeverity === undefined);
    const same = checkAnswer('{"summary":"s","suggestedSeverity":"medium"}', context);
    assert.ok(same.ok && same.value.suggestedSeverity === "medium");
    const higher = checkAnswer('{"summary":"s","suggestedSeverity":"critical"}', context);
    assert.ok(higher.ok && higher.value.suggestedSeverity === "critical");
  });

  it("rejects answers carrying a forbidden value anywhere, even in extra fields", () => {
    const result = checkAnswer('{"summary":"s","extra":"sk-secret-123456"}', context);
    assert.equal(result.ok, false);
  });
});

describe("extractJsonObject", () => {
  it("finds the object bare, fenced or wrapped in prose; nothing else", () => {
    assert.deepEqual(extractJsonObject('{"a":1}'), { a: 1 });
    assert.deepEqual(extractJsonObject('```json\n{"a":1}\n```'), { a: 1 });
    assert.deepEqual(extractJsonObject('Here you go: {"a":1} hope it helps'), { a: 1 });
    assert.equal(extractJsonObject("[1,2]"), undefined);
    assert.equal(extractJsonObject("null"), undefined);
    assert.equal(extractJsonObject("no json"), undefined);
  });
});

describe("cleanText", () => {
  it("keeps links from the input, removes new ones and image embeds, strips controls and bidi overrides", () => {
    const notes: string[] = [];
    const out = cleanText(
      "Runbook https://runbook.example.com/db, not javascript:alert(1) or ![i](https://x.example/p)\u202E\r\n\r\n\r\n\u0000end",
      100,
      context.inputText,
      notes,
    );
    assert.equal(out, "Runbook https://runbook.example.com/db, not [link removed]) or i\n\nend");
    assert.equal(notes.length, 1);
  });
});
