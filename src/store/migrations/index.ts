import type { Migration, MigrationProvider } from "kysely";
import * as initial from "./0001-initial.ts";
import * as timers from "./0002-timers.ts";
import * as context from "./0003-context.ts";
import * as traces from "./0004-traces.ts";
import * as changes from "./0005-changes.ts";
import * as similar from "./0006-similar.ts";
import * as patterns from "./0007-patterns.ts";
import * as incidentPatterns from "./0008-incident-patterns.ts";
import * as requestsAndKeys from "./0009-requests-and-keys.ts";
import * as investigations from "./0010-investigations.ts";
import * as detect from "./0011-detect.ts";
import * as ingestLog from "./0012-ingest-log.ts";
import * as remediation from "./0013-remediation.ts";
import * as sli from "./0014-sli.ts";
import * as ingestDeadLetters from "./0016-ingest-dead-letters.ts";
import * as deliveryInvestigation from "./0017-delivery-investigation.ts";
import * as deliveriesDueOrder from "./0019-deliveries-due-order.ts";
import * as ingestLogTotals from "./0020-ingest-log-totals.ts";

/** Migrations in order; names are stored in the database, so never rename one that shipped. */
export const migrationProvider: MigrationProvider = {
  async getMigrations(): Promise<Record<string, Migration>> {
    return {
      "0001-initial": initial,
      "0002-timers": timers,
      "0003-context": context,
      "0004-traces": traces,
      "0005-changes": changes,
      "0006-similar": similar,
      "0007-patterns": patterns,
      "0008-incident-patterns": incidentPatterns,
      "0009-requests-and-keys": requestsAndKeys,
      "0010-investigations": investigations,
      "0011-detect": detect,
      "0012-ingest-log": ingestLog,
      "0013-remediation": remediation,
      "0014-sli": sli,
      "0016-ingest-dead-letters": ingestDeadLetters,
      "0017-delivery-investigation": deliveryInvestigation,
      "0019-deliveries-due-order": deliveriesDueOrder,
      "0020-ingest-log-totals": ingestLogTotals,
    };
  },
};
