import type { InvestigationDelivery } from "../../core/investigation.ts";
import { investigationPlainText, investigationView } from "../investigation-view.ts";

// PagerDuty refuses notes over 25 KB; measured in bytes, since the report's text may hold any characters.
const NOTE_MAX_BYTES = 25_000;

/** The `POST /incidents/{id}/notes` body of an investigation. */
export function investigationNote(delivery: InvestigationDelivery, incidentUrl: string | null): { note: { content: string } } {
  const content = investigationPlainText(investigationView(delivery, incidentUrl), NOTE_MAX_BYTES, (text) =>
    Buffer.byteLength(text),
  );
  return { note: { content } };
}
