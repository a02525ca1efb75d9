import type { FastifyInstance } from "fastify";
import { registerDeadLetterMetrics } from "../api/dead-letter-metrics.ts";
import { deadLetterRoutes } from "../api/routes/dead-letter-routes.ts";
import { DeadLetterAdmin } from "../pipeline/ingest/dead-letter-admin.ts";
import type { LogConsumer } from "../pipeline/ingest/log-consumer.ts";
import type { Authenticator } from "../sources/http/auth.ts";
import type { Base } from "./base.ts";

/**
 * The ingest log's dead letters for operators (issue 18): the API to list, read, retry and discard them, and
 * their gauges at /metrics. A retry wakes this replica's log consumer; others find it at their next poll.
 */
export function wireDeadLetters(
  base: Base,
  consumer: Pick<LogConsumer, "wake">,
): { admin: DeadLetterAdmin; routes: (app: FastifyInstance, auth: Authenticator) => void } {
  const { store, metrics, clock } = base;
  const exported = registerDeadLetterMetrics(
    metrics.registry,
    () => store.ingestDeadLetters.backlog(),
    () => clock.now(),
  );
  metrics.beforeScrape.push(() => exported.refresh());
  const admin = new DeadLetterAdmin({
    letters: store.ingestDeadLetters,
    wake: () => consumer.wake(),
    resolved: (action, signals) => exported.resolved(action, signals),
    now: () => clock.now(),
  });
  return { admin, routes: (app, auth) => deadLetterRoutes(app, { admin, auth }) };
}
