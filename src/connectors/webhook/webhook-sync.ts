import { z } from "zod";
import type { Clock } from "../../core/clock.ts";
import { SluiceError } from "../../core/errors.ts";
import type { InboundEvent, InboundRequest, SyncHandler } from "../../core/inbound.ts";
import { LIFECYCLE_ACTIONS } from "../../core/incident.ts";
import { firstHeader } from "../sync-helpers.ts";
import { SIGNATURE_HEADER, signatureProblem, TIMESTAMP_HEADER } from "./signature.ts";

/** What a generic receiver posts back: signed with the same secret and scheme Sluice signs with. */
const inboundSchema = z.union([
  z.strictObject({
    idempotencyKey: z.string().min(1),
    action: z.enum(LIFECYCLE_ACTIONS),
    user: z.string().min(1).default("unknown"),
  }),
  z.strictObject({
    idempotencyKey: z.string().min(1),
    comment: z.string().min(1).max(10_000),
    user: z.string().min(1).default("unknown"),
  }),
]);

/** Inbound side of the generic webhook: a tool that received Sluice's webhook can acknowledge, resolve or comment. */
export class WebhookSync implements SyncHandler {
  readonly platform = "webhook";

  constructor(
    private readonly secret: string,
    private readonly clock: Clock,
  ) {}

  verify(request: InboundRequest): boolean {
    const problem = signatureProblem(
      this.secret,
      { signature: firstHeader(request.headers[SIGNATURE_HEADER]), timestamp: firstHeader(request.headers[TIMESTAMP_HEADER]) },
      request.rawBody.toString("utf8"),
      Math.floor(this.clock.now() / 1000),
    );
    return problem === null;
  }

  parse(request: InboundRequest): InboundEvent[] {
    let body: unknown;
    try {
      body = JSON.parse(request.rawBody.toString("utf8"));
    } catch {
      throw new SluiceError("MALFORMED_BODY", "webhook sync body is not JSON");
    }
    const parsed = inboundSchema.safeParse(body);
    if (!parsed.success) {
      throw new SluiceError("VALIDATION_FAILED", "invalid webhook sync event", {
        problems: parsed.error.issues.map((issue) => ({ path: issue.path.join(".") || "(body)", message: issue.message })),
      });
    }
    const event = parsed.data;
    return [
      {
        ticketRef: { idempotencyKey: event.idempotencyKey },
        change: "action" in event ? { action: event.action } : { comment: event.comment },
        user: event.user,
      },
    ];
  }
}
