import { type InvestigationReport, reportHeadline } from "../core/investigation.ts";

const MAX_EVIDENCE = 15;

// The headline lives in core: connectors render it too.
const headline = reportHeadline;

/**
 * The report as a ticket comment, the same text on every platform: the hypothesis first, then the
 * evidence with links, the steps executed, the recommended actions and the root-cause field. Connectors
 * render it in their native form (an ADF comment, a work note, a thread message).
 */
export function reportText(report: InvestigationReport, supersedes: number | null = null): string {
  const lines = [
    `Sluice investigation of ${report.incidentKey} (version ${report.version}, ${report.trigger})${supersedes === null ? "" : ` — supersedes version ${supersedes}`}`,
    headline(report),
  ];
  if (report.narrative) {
    // The model's words come after the analysis's and are labelled as such: a reader knows which is which.
    lines.push(
      "",
      `Narrative (${report.narrative.model}, every hypothesis checked against the evidence): ${report.narrative.text}`,
    );
    for (const h of report.narrative.hypotheses) lines.push(`- ${h.component}: ${h.statement} [${h.evidence.join(", ")}]`);
  }
  const cited = new Set(report.hypotheses[0]?.evidence ?? []);
  // The evidence the hypothesis cites first, then the rest.
  const evidence = [...report.evidence].sort((a, b) => Number(cited.has(b.id)) - Number(cited.has(a.id)));
  if (evidence.length > 0) {
    lines.push("", "Evidence:");
    for (const item of evidence.slice(0, MAX_EVIDENCE)) {
      lines.push(`- [${item.id}] ${item.summary}${item.link ? ` ${item.link}` : ""}`);
    }
    if (evidence.length > MAX_EVIDENCE) lines.push(`- … ${evidence.length - MAX_EVIDENCE} more in the stored report`);
  }
  if (report.steps.length > 0) {
    lines.push("", "Steps executed:");
    for (const step of report.steps) {
      const note = step.note ? ` — ${step.note}` : "";
      lines.push(`- ${step.collector}: ${step.query} (${step.status}, ${step.items} items, ${step.ms} ms${note})`);
    }
  }
  if (report.actions.length > 0) {
    lines.push("", "Recommended actions:");
    for (const action of report.actions) lines.push(`- ${action.text}${action.link ? ` ${action.link}` : ""}`);
  }
  lines.push("", `Root cause: ${report.rootCause ?? "undetermined"}`);
  return lines.join("\n");
}

/** One line for the timeline. */
export function reportTimelineDetail(report: InvestigationReport): string {
  return `Investigation v${report.version} (${report.outcome}): ${headline(report)}`;
}
