import type { FastifyInstance } from "fastify";
import type { LifecycleService } from "../lifecycle/lifecycle-service.ts";
import { compilePlaybook } from "../remediate/playbook.ts";
import { prometheusCheck } from "../remediate/prometheus-check.ts";
import { remediationRoutes } from "../remediate/remediation-routes.ts";
import { Remediator } from "../remediate/remediator.ts";
import type { Authenticator } from "../sources/http/auth.ts";
import type { Base } from "./base.ts";
import type { Module } from "./module.ts";

export interface RemediationWiring {
  remediator: Remediator | null;
  /** GET /api/remediations, /stats; approve, reject, pause, resume, re-enable. */
  routes: (app: FastifyInstance, auth: Authenticator) => void;
  module: Module;
}

/**
 * Self-healing (`remediation.enabled`, with playbooks): hears of incidents that open, gain signals or reopen,
 * and runs the first matching playbook under the guardrails. Declared before ingest, so it stops after ingest drained.
 */
export function wireRemediation(
  { config, store, clock, logger, metrics, events, http }: Base,
  lifecycle: LifecycleService,
): RemediationWiring {
  const settings = config.remediation;
  const now = () => clock.now();
  const routes = (remediator: Remediator | null) => (app: FastifyInstance, auth: Authenticator) =>
    remediationRoutes(app, { store, auth, remediator, now });
  if (!settings.enabled) return { remediator: null, routes: routes(null), module: { name: "remediation" } };
  const remediator = new Remediator({
    store,
    events,
    lifecycle,
    logger: logger.child({ component: "remediate" }),
    now,
    playbooks: settings.playbooks.map((playbook) =>
      compilePlaybook(playbook, { http, scriptDirectory: settings.scripts?.directory }),
    ),
    secrets: settings.secrets,
    paused: settings.paused,
    prometheus: settings.prometheus ? prometheusCheck(http, settings.prometheus.url) : null,
    pollInterval: settings.pollInterval,
    lease: settings.lease,
    count: (playbook, outcome) => metrics.remediationRuns.inc({ playbook, outcome }),
    ratio: (playbook, value) => metrics.remediationSuccess.set({ playbook }, value),
  });
  events.subscribe("IncidentOpened", "remediation", (event) => remediator.request(event.incidentId));
  events.subscribe("IncidentChanged", "remediation", (event) => {
    const { kind } = event.change;
    if (kind === "reopened") remediator.reopened(event.incidentId);
    else if (kind === "signals-joined" || kind === "severity-raised" || kind === "summary-updated")
      remediator.request(event.incidentId);
  });
  return {
    remediator,
    routes: routes(remediator),
    module: {
      name: "remediation",
      start: () => remediator.start(),
      flush: () => remediator.flush(),
      shutdown: () => remediator.shutdown(),
    },
  };
}
