import type { PlaybookConfig } from "../config/remediation-config.ts";
import type { Incident } from "../core/incident.ts";
import type { ActionIncident } from "./actions/action.ts";
import type { PromqlCheck } from "./prometheus-check.ts";
import { fill, promqlString } from "./template.ts";

function minutes(clock: string): number {
  const [h, m] = clock.split(":").map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** Whether `now` (UTC) is inside the window; from > to spans midnight. */
export function insideTimeOfDay(window: { from: string; to: string }, now: number): boolean {
  const date = new Date(now);
  const at = date.getUTCHours() * 60 + date.getUTCMinutes();
  const from = minutes(window.from);
  const to = minutes(window.to);
  return from <= to ? at >= from && at < to : at >= from || at < to;
}

/** Null when every precondition holds, else why not (the cheap ones first, Prometheus last). */
export async function unmetPrecondition(
  preconditions: PlaybookConfig["preconditions"],
  incident: Incident,
  subject: ActionIncident,
  now: number,
  check: PromqlCheck | null,
  signal: AbortSignal,
): Promise<string | null> {
  if (preconditions.minSignals !== undefined && incident.signalCount < preconditions.minSignals)
    return `${incident.signalCount} of ${preconditions.minSignals} signals`;
  if (preconditions.timeOfDay && !insideTimeOfDay(preconditions.timeOfDay, now))
    return `outside ${preconditions.timeOfDay.from}–${preconditions.timeOfDay.to} UTC`;
  if (preconditions.query !== undefined) {
    if (!check) return "no Prometheus configured";
    const result = await check(fill(preconditions.query, subject, promqlString), signal);
    if (!result.holds) return `precondition query does not hold (${result.detail})`;
  }
  return null;
}
