import type { Sluice } from "../src/main.ts";

/**
 * Posts `bodies[from..to)` to POST /api/v1/signals through Fastify's inject (no sockets: the in-process
 * benches measure the pipeline, not HTTP), `inFlight` at a time; any answer but 202 stops the bench.
 */
export async function injectBodies(
  sluice: Pick<Sluice, "server">,
  bodies: readonly string[],
  from: number,
  to: number,
  inFlight: number,
): Promise<void> {
  let next = from;
  const worker = async () => {
    while (next < to) {
      const payload = bodies[next++] as string;
      const response = await sluice.server.inject({
        method: "POST",
        url: "/api/v1/signals",
        headers: { "content-type": "application/json" },
        payload,
      });
      if (response.statusCode !== 202) throw new Error(`${response.statusCode} ${response.body}`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}
