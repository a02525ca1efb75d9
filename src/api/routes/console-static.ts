import { readFile } from "node:fs/promises";
import { extname, join } from "node:path";
import type { FastifyInstance, FastifyReply } from "fastify";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".map": "application/json",
};

/** The console's pages are the one client-side app; the server answers each of its addresses with index.html. */
const PAGES = ["/", "/login", "/overview", "/incidents/:key"];

/**
 * The web console's static files (web/dist, built by `npm run build:web`), served at /. The app talks only
 * to the public API; these responses forbid scripts and connections to anywhere but this origin.
 */
export function consoleStaticRoutes(app: FastifyInstance, deps: { dir: string }): void {
  const secure = (reply: FastifyReply) =>
    reply
      .header(
        "content-security-policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; connect-src 'self'; " +
          "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
      )
      .header("x-content-type-options", "nosniff")
      .header("referrer-policy", "no-referrer");
  const send = async (reply: FastifyReply, file: string, cache: string) => {
    let body: Buffer;
    try {
      body = await readFile(join(deps.dir, file));
    } catch {
      if (file === "index.html") {
        return secure(reply)
          .code(503)
          .type("text/plain; charset=utf-8")
          .send("The web console is not built: run `npm run build:web` (the API works without it).\n");
      }
      return reply.code(404).type("text/plain; charset=utf-8").send(`no console file ${file}\n`);
    }
    return secure(reply)
      .type(TYPES[extname(file)] ?? "application/octet-stream")
      .header("cache-control", cache)
      .send(body);
  };
  for (const page of PAGES) {
    // index.html names hashed assets, so it must never be cached; the assets can be, forever.
    app.get(page, { schema: { hide: true } }, (_request, reply) => send(reply, "index.html", "no-cache"));
  }
  app.get<{ Params: { file: string } }>("/assets/:file", { schema: { hide: true } }, (request, reply) => {
    const { file } = request.params;
    // One plain file name: no directories, so nothing outside the assets folder can be named.
    if (!/^[\w-]+(\.[\w-]+)*$/.test(file)) return reply.code(404).send();
    return send(reply, join("assets", file), "public, max-age=31536000, immutable");
  });
}
