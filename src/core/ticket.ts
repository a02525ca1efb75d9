/** A linked ticket on an external platform. */
export interface Ticket {
  incidentId: string;
  platform: string;
  externalId: string;
  url: string | null;
  /** Last state we pushed to the platform. */
  syncedState: string;
  /** Connector-owned data needed for later updates (e.g. Slack channel and thread ts). */
  meta: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}
