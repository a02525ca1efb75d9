import { z } from "zod";
import type { ReportNarrative } from "../../core/investigation.ts";

const MAX_NARRATIVE = 2000;
const MAX_STATEMENT = 400;

const answerSchema = z.looseObject({
  narrative: z.string().trim().min(1),
  hypotheses: z
    .array(
      z.looseObject({
        component: z.string().trim().min(1).max(200),
        statement: z.string().trim().min(1),
        evidence: z.array(z.string()).default([]),
      }),
    )
    .max(10)
    .default([]),
});

/** The model's answer checked against the report, or why it was rejected. */
export type CheckedAnswer =
  | { ok: true; narrative: Omit<ReportNarrative, "model">; dropped: number }
  | { ok: false; reason: string };

/**
 * Validates the model's final text against the report schema: one JSON object with a narrative and hypotheses.
 * A hypothesis keeps only the evidence ids the report holds and is dropped when none remain; links not in the
 * evidence are removed from the text (a link is an instruction a reader may follow).
 */
export function checkAnswer(text: string, evidenceIds: ReadonlySet<string>, evidenceLinks: ReadonlySet<string>): CheckedAnswer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, reason: "the answer is not JSON" };
  }
  const result = answerSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    return {
      ok: false,
      reason: `the answer does not fit the report schema: ${issue?.path.join(".") || "(root)"} ${issue?.message ?? ""}`.trim(),
    };
  }
  const hypotheses: ReportNarrative["hypotheses"] = [];
  let dropped = 0;
  for (const h of result.data.hypotheses) {
    const evidence = [...new Set(h.evidence.filter((id) => evidenceIds.has(id)))];
    if (evidence.length === 0) {
      dropped++;
      continue;
    }
    if (hypotheses.length < 3) {
      hypotheses.push({ component: h.component, statement: clip(unlink(h.statement, evidenceLinks), MAX_STATEMENT), evidence });
    }
  }
  return {
    ok: true,
    narrative: { text: clip(unlink(result.data.narrative, evidenceLinks), MAX_NARRATIVE), hypotheses },
    dropped,
  };
}

function unlink(text: string, allowed: ReadonlySet<string>): string {
  return text.replace(/\bhttps?:\/\/[^\s)"'<>]+/gi, (url) => (allowed.has(url) ? url : "[link removed]"));
}

function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}
