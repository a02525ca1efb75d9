import pino from "pino";
import { loadConfig, parseConfig } from "../config/loader.ts";
import { createSluice, type Sluice } from "../main.ts";
import { printError } from "./print-problems.ts";

/** Starts a Sluice server and resolves when it has started; closes it on SIGTERM/SIGINT. */
export async function startServer(
  configFile: string | undefined,
  overrides: { port?: number; dataDir?: string; logLevel?: string; document?: Record<string, unknown> } = {},
): Promise<{ sluice: Sluice; url: string }> {
  const { config, warnings } =
    configFile === undefined && overrides.document
      ? parseConfig(overrides.document, process.env, process.cwd(), "built-in")
      : loadConfig(configFile);
  const sluice = await createSluice(config, {
    ...(overrides.dataDir ? { dataDir: overrides.dataDir } : {}),
    ...(overrides.logLevel ? { logger: pino({ level: overrides.logLevel }) } : {}),
  });
  for (const warning of warnings) sluice.logger.warn(warning);
  let host = config.server.host ?? "0.0.0.0";
  if (!sluice.auth.enabled) {
    host = "127.0.0.1";
    sluice.logger.warn("no API tokens configured: listening on 127.0.0.1 only; add auth.tokens to expose Sluice");
  }
  // Bind first: a port already taken must fail the start before any worker or consumer runs, and
  // whatever did start is stopped, so the process exits (non-zero) instead of lingering half up.
  const port = overrides.port ?? config.server.port;
  let url: string;
  try {
    url = await sluice.server.listen({ host, port });
  } catch (error) {
    await sluice.close().catch(() => undefined);
    throw bindError(error, host, port);
  }
  try {
    sluice.start();
    await sluice.startSources();
  } catch (error) {
    await sluice.close().catch(() => undefined);
    throw error;
  }
  sluice.logger.info({ url }, "sluice is listening");
  let closing = false;
  const stop = (signal: string) => {
    if (closing) return;
    closing = true;
    sluice.logger.info({ signal }, "shutting down: draining ingest and deliveries");
    sluice.close().then(
      () => process.exit(0),
      (error) => {
        sluice.logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
  return { sluice, url };
}

/** A listen failure in words an operator can act on, naming the setting. */
function bindError(error: unknown, host: string, port: number): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "EADDRINUSE") {
    return new Error(`port ${port} on ${host} is already in use (server.port); is another Sluice running?`, { cause: error });
  }
  if (code === "EACCES") return new Error(`no permission to listen on port ${port} on ${host} (server.port)`, { cause: error });
  if (code === "EADDRNOTAVAIL") return new Error(`${host} is not an address of this machine (server.host)`, { cause: error });
  return error instanceof Error ? error : new Error(String(error));
}

export async function serveCommand(configFile: string | undefined): Promise<number> {
  try {
    await startServer(configFile);
  } catch (error) {
    printError(error);
    return 1;
  }
  // Keep running; the signal handlers end the process.
  await new Promise(() => {});
  return 0;
}
