import { EscalationTimers } from "../lifecycle/escalation.ts";
import { escalationTargets } from "../lifecycle/escalation-levels.ts";
import { LifecycleService } from "../lifecycle/lifecycle-service.ts";
import { QuietResolver } from "../lifecycle/quiet-resolver.ts";
import type { Base } from "./base.ts";
import type { Module } from "./module.ts";

/** The one path of state changes; publishes what it changes on the event bus. `platforms`: the enabled ones. */
export function wireLifecycle(
  { config, store, clock, events, metrics, redactor }: Base,
  platforms: ReadonlySet<string> = new Set(),
): LifecycleService {
  return new LifecycleService(
    store,
    clock,
    events,
    metrics.lifecycle,
    (text) => redactor.redact(text),
    escalationTargets(config.escalation.policies, platforms),
  );
}

export interface TimersWiring {
  quietResolver: QuietResolver;
  escalations: EscalationTimers;
  modules: Module[];
}

/** Timers that change incidents through the lifecycle: the quiet-period resolver and escalation. */
export function wireTimers({ config, store, clock, logger }: Base, lifecycle: LifecycleService): TimersWiring {
  const quietResolver = new QuietResolver(store, lifecycle, clock, config.anomaly.quietPeriod, logger);
  const escalations = new EscalationTimers(store, lifecycle, clock, config.escalation.policies, logger);
  return {
    quietResolver,
    escalations,
    modules: [
      { name: "quiet-resolver", start: () => quietResolver.start(), shutdown: () => quietResolver.shutdown() },
      { name: "escalation", start: () => escalations.start(), shutdown: () => escalations.shutdown() },
    ],
  };
}
