import type { Delivery } from "../core/delivery.ts";
import type { Incident } from "../core/incident.ts";
import type { DeliveryRepository } from "../core/ports/store.ts";

/**
 * What a connector renders one delivery from. Kept on the delivery's first attempt and handed to every
 * later one, so a retry (after a timeout, or a crash while the platform held the request) renders the
 * same bytes: a receiver that de-duplicates by key or by body always recognises it, and never gets a
 * second "create" that differs in its signal count or last-seen time.
 */
export interface FrozenRequest {
  incident: Incident;
  detail: string;
  incidentUrl: string | null;
  /** When it was first rendered: the `sentAt` of bodies that carry one. */
  renderedAt: number;
}

/**
 * The request this attempt sends: the one an earlier attempt kept, or this one, kept now (durably,
 * before anything goes out). A kept incident written by an older version lacks newer fields; the
 * incident as read now fills them in.
 */
export async function freezeRequest(
  deliveries: Pick<DeliveryRepository, "freeze">,
  delivery: Pick<Delivery, "id" | "detail">,
  fresh: FrozenRequest,
): Promise<FrozenRequest> {
  const request = JSON.stringify(fresh);
  return keptOrFresh(await deliveries.freeze(delivery.id, request), request, fresh);
}

/** `freezeRequest` for a round's deliveries, kept in one transaction; the requests in the order given. */
export async function freezeRequests(
  deliveries: Pick<DeliveryRepository, "freezeAll">,
  items: readonly { delivery: Pick<Delivery, "id">; fresh: FrozenRequest }[],
): Promise<FrozenRequest[]> {
  const requests = items.map(({ delivery, fresh }) => ({ id: delivery.id, request: JSON.stringify(fresh) }));
  const kept = await deliveries.freezeAll(requests);
  return items.map(({ fresh }, i) => keptOrFresh(kept[i] as string, (requests[i] as { request: string }).request, fresh));
}

function keptOrFresh(kept: string, request: string, fresh: FrozenRequest): FrozenRequest {
  // The first attempt keeps what it was handed (read from the store, so JSON already): no need to parse it back.
  if (kept === request) return fresh;
  let parsed: Partial<FrozenRequest>;
  try {
    parsed = JSON.parse(kept) as Partial<FrozenRequest>;
  } catch {
    return fresh;
  }
  if (!parsed || typeof parsed !== "object" || !parsed.incident || typeof parsed.renderedAt !== "number") return fresh;
  return {
    incident: { ...fresh.incident, ...parsed.incident },
    detail: typeof parsed.detail === "string" ? parsed.detail : fresh.detail,
    incidentUrl: parsed.incidentUrl === undefined ? fresh.incidentUrl : parsed.incidentUrl,
    renderedAt: parsed.renderedAt,
  };
}
