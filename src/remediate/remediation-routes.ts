import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { SluiceError } from "../core/errors.ts";
import type { Store } from "../core/ports/store.ts";
import { RUN_STATES } from "../core/remediation.ts";
import { type Authenticator, actorOf } from "../sources/http/auth.ts";
import type { Remediator } from "./remediator.ts";

const listQuery = z.strictObject({
  incident: z.string().min(1).optional(),
  playbook: z.string().min(1).optional(),
  service: z.string().min(1).optional(),
  // A pattern, not a refinement, so the OpenAPI document tells clients (and schemathesis) what is valid.
  state: z
    .string()
    .regex(new RegExp(`^(${RUN_STATES.join("|")})(,(${RUN_STATES.join("|")}))*$`), {
      message: `state must be a comma-separated list of ${RUN_STATES.join(", ")}`,
    })
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const rejectBody = z.strictObject({ reason: z.string().max(2000).optional() }).optional();

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SluiceError("VALIDATION_FAILED", `invalid ${what}: ${issue?.path.join(".") || "body"}: ${issue?.message}`);
  }
  return parsed.data;
}

/**
 * GET /api/remediations (viewer), GET /api/remediations/stats (viewer), POST /api/remediations/:id/approve|reject
 * (responder), POST /api/remediations/pause|resume and the re-enabling of a disabled playbook (admin).
 */
export function remediationRoutes(
  app: FastifyInstance,
  deps: { store: Store; auth: Authenticator; remediator: Remediator | null; now: () => number },
): void {
  const { store, auth, remediator, now } = deps;
  const engine = (): Remediator => {
    if (!remediator) throw new SluiceError("CONFLICT", "remediation is disabled (remediation.enabled: false)");
    return remediator;
  };
  app.get(
    "/api/remediations",
    {
      onRequest: auth.hook({ role: "viewer" }),
      config: { errors: ["NOT_FOUND"] },
      schema: {
        tags: ["remediations"],
        summary: "Remediation runs, newest first, filtered by incident (id), playbook, service and state (comma-separated)",
        querystring: z.toJSONSchema(listQuery, { io: "input" }),
      },
    },
    async (request) => {
      const q = parse(listQuery, request.query ?? {}, "query");
      const incident = q.incident ? await store.incidents.get(q.incident) : null;
      if (q.incident && !incident) throw new SluiceError("NOT_FOUND", `no incident ${q.incident}`);
      const items = await store.remediations.list({
        ...(incident ? { incidentId: incident.id } : {}),
        ...(q.playbook ? { playbook: q.playbook } : {}),
        ...(q.service ? { service: q.service } : {}),
        ...(q.state ? { state: q.state.split(",") as (typeof RUN_STATES)[number][] } : {}),
        limit: q.limit,
      });
      return { items, paused: await store.remediations.paused(), disabled: await store.remediations.disabled() };
    },
  );
  app.get(
    "/api/remediations/stats",
    {
      onRequest: auth.hook({ role: "viewer" }),
      schema: {
        tags: ["remediations"],
        summary:
          "Per playbook: runs executed, verified, failed, rolled back, escalated, succeeded (verified, no human acted, not reopened within reopenWindow) and the success rate",
      },
    },
    async () => ({ playbooks: await store.remediations.stats() }),
  );
  app.post<{ Params: { id: string } }>(
    "/api/remediations/:id/approve",
    {
      onRequest: auth.hook({ role: "responder" }),
      config: { errors: ["CONFLICT"] },
      schema: {
        tags: ["remediations"],
        summary: "Approves a run awaiting approval (suggest mode); it runs next. 409 when it is not awaiting approval",
      },
    },
    async (request) => engine().approve(request.params.id, actorOf(request)),
  );
  app.post<{ Params: { id: string } }>(
    "/api/remediations/:id/reject",
    {
      onRequest: auth.hook({ role: "responder" }),
      config: { errors: ["CONFLICT"] },
      schema: {
        tags: ["remediations"],
        summary: "Rejects a run awaiting approval; nothing runs. Body (optional): {reason}",
        body: z.toJSONSchema(z.strictObject({ reason: z.string().max(2000).optional() }), { io: "input" }),
      },
    },
    async (request) => {
      const body = parse(rejectBody, request.body ?? undefined, "body");
      return engine().reject(request.params.id, actorOf(request), body?.reason ?? "");
    },
  );
  for (const paused of [true, false]) {
    app.post(
      `/api/remediations/${paused ? "pause" : "resume"}`,
      {
        onRequest: auth.hook({ role: "admin" }),
        schema: {
          tags: ["remediations"],
          summary: paused
            ? "Kill switch: every replica refuses new runs and runs not yet executing (their incidents escalate)"
            : "Lifts the kill switch set by pause (the config's remediation.paused stays in force)",
        },
      },
      async (request) => {
        await store.remediations.setPaused(paused, actorOf(request), now());
        return store.remediations.paused();
      },
    );
  }
  app.post<{ Params: { playbook: string; service: string } }>(
    "/api/remediations/playbooks/:playbook/services/:service/enable",
    {
      onRequest: auth.hook({ role: "admin" }),
      schema: {
        tags: ["remediations"],
        summary: "Re-enables a playbook disabled for a service after two failed verifications; 404 when it is not disabled",
      },
    },
    async (request) => {
      const { playbook, service } = request.params;
      if (!(await store.remediations.enable(playbook, service, actorOf(request), now())))
        throw new SluiceError("NOT_FOUND", `playbook ${playbook} is not disabled for ${service}`);
      return { playbook, service, enabled: true };
    },
  );
}
