import { monotonicFactory } from "ulid";

const nextUlid = monotonicFactory();

/** Sortable unique id (ULID): ordering by id is ordering by creation. */
export function newId(at: number = Date.now()): string {
  return nextUlid(at);
}
