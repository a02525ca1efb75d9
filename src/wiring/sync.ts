import type { RemediationApprovals, SyncHandler } from "../core/inbound.ts";
import { outcomeOfCode } from "../core/resolve-outcome.ts";
import type { LifecycleService } from "../lifecycle/lifecycle-service.ts";
import { InboundSync } from "../lifecycle/sync/inbound-sync.ts";
import { PollRunner } from "../lifecycle/sync/poll-runner.ts";
import type { Base } from "./base.ts";
import { buildPollers, buildSyncHandlers } from "./connectors.ts";
import type { Module } from "./module.ts";

export interface SyncWiring {
  inboundSync: InboundSync;
  /** Verifiers of platforms' webhooks and buttons, by platform (the sync routes use them). */
  handlers: Map<string, SyncHandler>;
  polls: PollRunner;
  module: Module;
}

/** What platforms report back (webhooks, buttons, pollers), applied through the lifecycle. */
export function wireSync(
  { config, store, clock, logger, metrics, http, factories }: Base,
  lifecycle: LifecycleService,
  /** The remediator, which Slack's Approve / Reject buttons decide runs through (null: remediation is off). */
  approvals: RemediationApprovals | null = null,
): SyncWiring {
  const inboundSync = new InboundSync(
    store,
    lifecycle,
    clock,
    config.lifecycle.autoAcknowledge,
    metrics.observeSyncLag,
    (platform, code) => outcomeOfCode(platform, code, config.sli.outcomes),
    approvals,
  );
  const pollers = buildPollers(config, { http, clock, timeoutMs: config.delivery.timeout }, factories);
  const polls = new PollRunner(pollers, store, inboundSync, clock, logger);
  return {
    inboundSync,
    handlers: buildSyncHandlers(config, clock, factories, http),
    polls,
    module: { name: "platform-sync", start: () => polls.start(), shutdown: () => polls.shutdown() },
  };
}
