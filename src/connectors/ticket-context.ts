import { type IncidentContext, isHashedUser, type TraceStep } from "../core/enrichment.ts";

const MAX_TIMELINE_STEPS = 25;

/**
 * The enrichment part of a ticket body as plain text, one section per part that is present: what a
 * responder would otherwise spend the first minutes gathering. Empty when nothing was learned.
 */
export function renderContext(context: IncidentContext | undefined): string {
  if (!context) return "";
  return [owner(context), trace(context), changes(context), similar(context), users(context), degraded(context)]
    .filter((section) => section !== "")
    .join("\n\n");
}

function owner({ owner }: IncidentContext): string {
  if (!owner) return "";
  const lines = [`Owner: ${owner.team}${owner.tier ? ` (tier ${owner.tier})` : ""}`];
  if (owner.runbookUrl) lines.push(`Runbook: ${owner.runbookUrl}`);
  for (const dashboard of owner.dashboards) lines.push(`Dashboard: ${dashboard.title} ${dashboard.url}`);
  if (owner.escalation) lines.push(`Escalation: ${owner.escalation}`);
  return lines.join("\n");
}

function trace({ trace }: IncidentContext): string {
  if (!trace) return "";
  const { rootCause } = trace;
  const lines = [
    `Root cause candidate: ${rootCause.service} (${rootCause.operation})${rootCause.errorMessage ? `: ${rootCause.errorMessage}` : ""}`,
  ];
  if (trace.blastRadius.length > 0) {
    const radius = trace.blastRadius.map((s) => `${s.service} (${Math.round(s.share * 100)}% of its traffic)`);
    lines.push(`Blast radius: ${radius.join(", ")}`);
  }
  lines.push(`Request timeline (trace ${trace.traceId}):`);
  for (const step of trace.timeline.slice(0, MAX_TIMELINE_STEPS)) lines.push(timelineLine(step));
  if (trace.timeline.length > MAX_TIMELINE_STEPS) lines.push(`  … ${trace.timeline.length - MAX_TIMELINE_STEPS} more spans`);
  return lines.join("\n");
}

function timelineLine(step: TraceStep): string {
  const error = step.error ? ` ERROR${step.errorMessage ? `: ${step.errorMessage}` : ""}` : "";
  const offset = `+${step.startOffsetMs}ms`.padStart(8);
  return `${offset} ${"  ".repeat(step.depth)}${step.service} ${step.operation} (${step.durationMs}ms)${error}`;
}

function changes({ changes }: IncidentContext): string {
  if (!changes || changes.length === 0) return "";
  const lines = ["Recent changes:"];
  for (const change of changes) {
    const version = change.version ? ` ${change.version}` : "";
    const by = change.author ? ` by ${change.author}` : "";
    const where = change.relation === "dependency" ? " (a dependency)" : "";
    lines.push(
      `- ${new Date(change.at).toISOString()} ${change.kind} of ${change.service}${where}${version}${by}: ${change.summary}${change.url ? ` ${change.url}` : ""}`,
    );
  }
  return lines.join("\n");
}

function similar({ similar }: IncidentContext): string {
  if (!similar || similar.length === 0) return "";
  const lines = ["Similar past incidents:"];
  for (const past of similar) lines.push(`- ${past.key} ${past.title} (${past.service}): ${past.resolution}`);
  return lines.join("\n");
}

function users({ affectedUsers }: IncidentContext): string {
  if (!affectedUsers || affectedUsers.count === 0) return "";
  const count = `${affectedUsers.count}${affectedUsers.capped ? "+" : ""}`;
  // Hashed ids (the default) say nothing to a reader; only readable ones make an example.
  const readable = affectedUsers.sample.filter((user) => !isHashedUser(user));
  return `Affected users: ${count}${readable.length > 0 ? ` (e.g. ${readable.slice(0, 5).join(", ")})` : ""}`;
}

function degraded({ degraded }: IncidentContext): string {
  return degraded && degraded.length > 0 ? `Not available this time: ${degraded.join(", ")}` : "";
}
