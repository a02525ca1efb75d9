/** Who or what did what to an incident, when, and why. */
export interface TimelineEvent {
  id: number;
  incidentId: string;
  at: number;
  /** "sluice:<stage>", "api:<token name>", "<platform>:<user>". */
  actor: string;
  action: string;
  detail: string;
  /** The rule or decision that fired, when there was one. */
  rule: string | null;
}

export type NewTimelineEvent = Omit<TimelineEvent, "id">;

/**
 * The actor of a merge (LifecycleService.merge): an incident it resolved lives on in the one it merged into,
 * which the resolve entry names (`mergedIntoDetail`).
 */
export const MERGE_ACTOR = "sluice:merge";

/** The resolve entry's detail of a merged incident; `mergedIntoKey` reads the survivor's key back from it. */
export function mergedIntoDetail(intoKey: string, reason: string): string {
  return `merged into ${intoKey}: ${reason}`;
}

/** The key of the incident a merge resolve entry (`mergedIntoDetail`) names, or null for any other detail. */
export function mergedIntoKey(detail: string): string | null {
  return /^merged into ([^:]+):/.exec(detail)?.[1] ?? null;
}

/**
 * Actors that resolve an incident because it went quiet (the quiet period, a gap longer than
 * lookbackWindow), not because a person or the signal's source said it was over.
 */
export const QUIET_RESOLVERS: ReadonlySet<string> = new Set(["sluice:auto-resolve", "sluice:correlate"]);
