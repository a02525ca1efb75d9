import type { NodeKind } from "../analysis/types.ts";

/**
 * A PetShop node's kind from its AWS X-Ray name: `…_remote` is an endpoint X-Ray saw only from its callers
 * (an uninstrumented service, a load balancer, an external API), so it is opaque; `…_client` is X-Ray's node for
 * the requests' origin, a client. Everything else (instrumented services, Lambda functions, AWS resources) is
 * treated as a service: its outgoing calls, if any, are in the graph.
 */
export function petshopNodeKind(node: string): NodeKind {
  if (node.endsWith("_remote")) return "opaque";
  if (node.endsWith("_client")) return "client";
  return "service";
}
