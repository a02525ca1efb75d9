import type { Change, ChangeKind } from "../change.ts";

/** Which changes to read: every given field must match; newest first. */
export interface ChangeQuery {
  tenant?: string;
  environment?: string;
  services?: readonly string[];
  kinds?: readonly ChangeKind[];
  /** Inclusive bounds on `at`. */
  from: number;
  to: number;
  limit: number;
}

/** Deploys and configuration changes: idempotent writes, time-range reads. */
export interface ChangeRepository {
  /** Stores the changes not stored yet (same source and sourceId); returns the ids of those it stored. */
  insert(changes: readonly Change[]): Promise<Set<string>>;
  find(query: ChangeQuery): Promise<Change[]>;
}
