import type { Change } from "../core/change.ts";
import { newId } from "../core/ids.ts";

/** Builders for tests of the changes module. */

export const T0 = Date.parse("2026-11-24T10:00:00Z");

/** A stored change of checkout in default/production at T0, a deploy unless `fields` say otherwise. */
export function testChange(fields: Partial<Change> = {}): Change {
  return {
    id: newId(),
    source: "sluice",
    sourceId: newId(),
    tenant: "default",
    service: "checkout",
    environment: "production",
    kind: "deploy",
    summary: "a change",
    at: T0,
    version: null,
    author: null,
    url: null,
    labels: {},
    receivedAt: T0,
    ...fields,
  };
}
