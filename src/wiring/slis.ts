import type { FastifyInstance } from "fastify";
import { automationSuccess } from "../api/stats/automation-success.ts";
import { RefreshWhileBusy } from "../api/stats/refresh-while-busy.ts";
import { computeSlis } from "../api/stats/sli.ts";
import { registerSliMetrics } from "../api/stats/sli-metrics.ts";
import { statsRoutes } from "../api/stats/stats-routes.ts";
import type { Authenticator } from "../sources/http/auth.ts";
import type { Base } from "./base.ts";

// How old the SLI gauges may get while ingest is busy (they cover a day: a minute changes little).
const BUSY_MAX_AGE_MS = 60_000;

/**
 * The ticketing SLIs (M1–M9): computed from the store over a time range, for GET /api/stats and, over
 * `sli.window` before each scrape, for the sluice_sli_* gauges at /metrics.
 */
export function wireSlis(base: Base): { routes: (app: FastifyInstance, auth: Authenticator) => void } {
  const { config, store, metrics, clock } = base;
  const settings = config.sli;
  const report = async (from: number, to: number) => ({
    ...computeSlis(await store.sli.facts(from, to), settings),
    m10AutomationSuccess: automationSuccess(await store.remediations.stats(undefined, { from, to })),
  });
  const exported = registerSliMetrics(metrics.registry, settings.window, () => {
    const now = clock.now();
    return report(now - settings.window, now);
  });
  // While ingest is busy (a storm), scrapes serve figures up to a minute old instead of recomputing a day of
  // incidents each time in the loop the acknowledgements need.
  const refresher = new RefreshWhileBusy(() => exported.refresh(), {
    busy: () => base.ingestLoad.busy(),
    maxAgeMs: BUSY_MAX_AGE_MS,
    now: () => Date.now(),
  });
  metrics.beforeScrape.push(() => refresher.beforeScrape());
  return {
    routes: (app, auth) => statsRoutes(app, { auth, windowMs: settings.window, now: () => clock.now(), report }),
  };
}
