// The ceiling of any Node.js ingest service on this machine: Fastify (the version Sluice uses) parsing the
// same bodies and answering 202, doing nothing else. No validation, no pipeline, no storage. Whatever
// Sluice does per signal comes on top of this, so Sluice can never be faster than this server.
import Fastify from "fastify";

const port = Number(process.argv[2]);
const app = Fastify({ logger: false, bodyLimit: 5 * 1024 * 1024 });
app.post("/api/v1/signals", async (request, reply) => {
  const items = Array.isArray(request.body) ? request.body.length : 1;
  return reply.code(202).send({ accepted: items });
});
app.get("/readyz", async () => ({ ok: true }));
await app.listen({ host: "127.0.0.1", port });
