import type { PlaybookStats, Refusal } from "../core/remediation.ts";

const REFUSAL_TEXT: Record<Refusal, string> = {
  paused: "remediation is paused (the kill switch)",
  disabled: "this playbook is disabled for the service after two failed verifications; an admin re-enables it",
  "target-busy": "another run is still working on the same target",
  cooldown: "the playbook ran for this service within its cooldown",
  "playbook-limit": "the playbook reached its maximum runs in its window",
  "service-limit": "the playbook reached its maximum runs for this service in its window",
  "blast-radius": "the playbook reached its blast-radius limit (distinct targets in its window)",
};

export function refusalText(refusal: Refusal): string {
  return REFUSAL_TEXT[refusal];
}

/** "this playbook has healed 17 of 18 incidents like this one" (or that it has none yet). */
export function scoreText(stats: PlaybookStats | undefined): string {
  const concluded = stats ? stats.verified + stats.failed : 0;
  if (!stats || concluded === 0) return "this playbook has not concluded a run yet";
  return `this playbook has healed ${stats.succeeded} of ${concluded} incident${concluded === 1 ? "" : "s"} like this one`;
}
