import type { InvestigationDelivery } from "../../core/investigation.ts";
import { investigationPlainText, investigationView } from "../investigation-view.ts";
import type { IncidentWrite } from "./transform.ts";

// A journal field holds 4 000 characters in the base system (the same bound as every other work note here).
const WORK_NOTE_MAX = 4000;

/**
 * The `PATCH` body of an investigation: a work note (internal, never e-mailed to the caller) with the report.
 * ServiceNow's incident has no root-cause field in the base system (close_notes belong to the resolve), so
 * the root cause is the note's labelled last section.
 */
export function investigationWorkNote(delivery: InvestigationDelivery, incidentUrl: string | null): IncidentWrite {
  return { work_notes: investigationPlainText(investigationView(delivery, incidentUrl), WORK_NOTE_MAX) };
}
