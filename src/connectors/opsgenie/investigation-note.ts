import type { InvestigationDelivery } from "../../core/investigation.ts";
import { investigationPlainText, investigationView } from "../investigation-view.ts";

// Opsgenie (and JSM Operations, which takes the same body) keeps notes up to 25 000 characters.
const NOTE_MAX = 25_000;

/** The note of an investigation on the alert: the same body on Opsgenie and on JSM Operations. */
export function investigationNoteText(delivery: InvestigationDelivery, incidentUrl: string | null): string {
  return investigationPlainText(investigationView(delivery, incidentUrl), NOTE_MAX);
}
