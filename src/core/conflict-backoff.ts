import { setTimeout as sleep } from "node:timers/promises";

const STEP_MS = 10;

/**
 * Waits before planning again after losing a race (CONFLICT): up to 10 ms more each attempt, at random,
 * so two writers that collided in step (replicas, an API call and a batch) fall out of it.
 */
export function backoffAfterConflict(attempt: number): Promise<void> {
  return sleep(Math.random() * STEP_MS * attempt);
}
