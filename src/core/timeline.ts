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
 * Actors that resolve an incident because it went quiet (the quiet period, a gap longer than
 * lookbackWindow), not because a person or the signal's source said it was over.
 */
export const QUIET_RESOLVERS: ReadonlySet<string> = new Set(["sluice:auto-resolve", "sluice:correlate"]);
