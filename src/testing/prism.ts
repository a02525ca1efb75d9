import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { connect, createServer } from "node:net";

/** A running Prism mock of one API description. */
export interface PrismMock {
  /** Base URL to configure the connector with; paths are the spec's paths without its basePath. */
  baseUrl: string;
  /** Prism's own output so far, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

export interface PrismOptions {
  /** Generate responses from the schemas (needed when the spec has no examples, as Slack's). */
  dynamic?: boolean;
  /** Milliseconds to wait for Prism to listen (default 120 s: a large description on a busy machine). */
  startTimeoutMs?: number;
}

const require = createRequire(import.meta.url);

/**
 * Starts `prism mock --errors` on a free loopback port. With --errors every request that breaks the
 * spec is answered with a 4xx carrying `sl-violations`, which recordingHttp collects as violations.
 */
export async function startPrism(specPath: string, options: PrismOptions = {}): Promise<PrismMock> {
  const cli = require.resolve("@stoplight/prism-cli/dist/index.js");
  // A port freed and re-bound can be taken in between; retry a couple of times before giving up.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const args = [cli, "mock", "--errors", "-h", "127.0.0.1", "-p", String(port), "-v", "error"];
    // A fixed seed keeps dynamic answers the same from run to run; unrequested properties only add noise.
    if (options.dynamic) args.push("--dynamic", "--seed", "sluice", "--json-schema-faker-fillProperties=false");
    args.push(specPath);
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    try {
      await waitForPort(child, port, options.startTimeoutMs ?? 120_000);
      return { baseUrl: `http://127.0.0.1:${port}`, output: () => output, stop: () => stopChild(child) };
    } catch (error) {
      await stopChild(child);
      lastError = new Error(`Prism did not start: ${(error as Error).message}\n${output}`);
      // Only a lost port is worth another try; one that is still parsing a large description (Jira's takes
      // a while, longer still when two test runs share the machine) would start that parse over.
      if (!(error instanceof PrismExited)) break;
    }
  }
  throw lastError;
}

class PrismExited extends Error {}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

async function waitForPort(child: ChildProcess, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new PrismExited(`exited with code ${child.exitCode}`);
    if (await canConnect(port)) {
      // Something listens: make sure it is this Prism, not a process that took the port while Prism was still
      // parsing its description (Prism would then fail to bind, and requests meant for it would reach the other).
      if (await answersAsPrism(port)) return;
      throw new PrismExited(`port ${port} was taken by another process`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not listening on ${port} after ${timeoutMs} ms`);
}

/** Prism answers a path no description has with its own problem document (NO_PATH_MATCHED_ERROR). */
async function answersAsPrism(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/__sluice_is_this_prism__`, { signal: AbortSignal.timeout(10_000) });
    return (await response.text()).includes("stoplight.io/prism/errors");
  } catch {
    return false;
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill("SIGKILL"), 3_000);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
