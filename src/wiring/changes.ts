import { ChangeIntake } from "../changes/change-intake.ts";
import { type ChangeMetrics, prometheusChangeMetrics } from "../changes/change-metrics.ts";
import { RecentDeploys } from "../pipeline/gate/recent-deploys.ts";
import type { Base } from "./base.ts";
import type { Module } from "./module.ts";

export interface ChangesWiring {
  intake: ChangeIntake;
  metrics: ChangeMetrics;
  /** Recent deploys for deploy-aware suppression, when `changes.suppressAfterDeploy` is set. */
  recentDeploys: RecentDeploys | null;
  module: Module;
}

/** Changes (src/changes, docs/changes.md): intake and deploy-aware suppression; the enrichment step is wired with the others. */
export async function wireChanges({ config, store, clock, logger, metrics, redactor }: Base): Promise<ChangesWiring> {
  const changeMetrics = prometheusChangeMetrics(metrics.registry);
  const suppressAfterDeploy = config.changes.suppressAfterDeploy;
  const recentDeploys = suppressAfterDeploy
    ? new RecentDeploys({ changes: store.changes, clock, logger, config: suppressAfterDeploy })
    : null;
  await recentDeploys?.refresh();
  const intake = new ChangeIntake({
    store,
    clock,
    logger,
    metrics: changeMetrics,
    redact: (text) => redactor.redact(text),
    onStored: (changes) => recentDeploys?.add(changes),
  });
  return {
    intake,
    metrics: changeMetrics,
    recentDeploys,
    module: { name: "changes", start: () => recentDeploys?.start(), shutdown: () => recentDeploys?.shutdown() },
  };
}
