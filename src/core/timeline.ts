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
