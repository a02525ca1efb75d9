import type { ChangeRef } from "./enrichment.ts";

export type ChangeKind = ChangeRef["kind"];

/** A deploy or configuration change as stored: it never opens an incident, it explains one. */
export interface Change {
  id: string;
  /** The upstream system ("sluice", "pagerduty", "github", or the sender's own name); with sourceId, the identity. */
  source: string;
  sourceId: string;
  tenant: string;
  service: string;
  environment: string;
  kind: ChangeKind;
  summary: string;
  /** When the change happened (epoch ms). */
  at: number;
  version: string | null;
  author: string | null;
  url: string | null;
  labels: Record<string, string>;
  receivedAt: number;
}

export const CHANGE_KINDS = [
  "deploy",
  "config",
  "feature-flag",
  "infrastructure",
  "other",
] as const satisfies readonly ChangeKind[];

/** The document shapes POST /api/v1/changes and the changes topics accept. */
export type ChangeFormat = "sluice" | "pagerduty" | "github";

/** What one item of a request became: a change to store, or a reason it is not one (a GitHub deploy that did not succeed). */
export type NormalizedChange = { format: ChangeFormat; change: Change } | { format: ChangeFormat; ignored: string };
