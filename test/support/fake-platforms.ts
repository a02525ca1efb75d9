/**
 * Every platform Sluice delivers to, emulated statefully and minimally on ONE node:http server on
 * 127.0.0.1 (random port), routed by the first path segment:
 *   /pagerduty/events/v2/enqueue, /pagerduty/api/...   PagerDuty Events API v2 + REST notes
 *   /jira/rest/api/3/...                                 Jira Cloud
 *   /servicenow/api/now/table/incident...                ServiceNow Table API
 *   /zammad/api/v1/...                                   Zammad
 *   /opsgenie/v2/alerts..., /jsm/v1/alerts...            Opsgenie, JSM Ops
 *   /slack/api/chat.postMessage, chat.update             Slack Web API (bot token)
 *   /teams/workflow?sig=...                              Teams Workflows webhook
 *   /webhook/hook                                        generic webhook
 * The Teams connector accepts only https URLs, so the same http.Server also takes TLS connections on a
 * second 127.0.0.1 port (a tls.Server hands each decrypted socket to it), with a throwaway self-signed
 * certificate made by `openssl` (the child trusts it through NODE_EXTRA_CA_CERTS). One state, one handler.
 *
 * Each platform module (./fake-platforms/*.ts) says which idempotency of the real platform it honours.
 * `latencyMs` holds every answer back after the platform has applied the request: the "response in
 * transit" window in which a crash of Sluice leaves a change done on the platform but not recorded.
 */
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { join } from "node:path";
import { createServer as createTlsServer } from "node:tls";
import { FakeSlack, FakeTeams, FakeWebhook } from "./fake-platforms/chat.ts";
import type { FakePlatform, FakeRequest, FakeResponse } from "./fake-platforms/common.ts";
import { FakeJira } from "./fake-platforms/jira.ts";
import { FakeOpsgenie } from "./fake-platforms/opsgenie.ts";
import { FakePagerDuty } from "./fake-platforms/pagerduty.ts";
import { FakeServiceNow } from "./fake-platforms/servicenow.ts";
import { FakeZammad } from "./fake-platforms/zammad.ts";

/** One request the server received, with the platform it went to and the status it got. */
export interface LoggedRequest {
  at: number;
  platform: string;
  method: string;
  path: string;
  status: number;
}

export interface FakePlatforms {
  /** http://127.0.0.1:<port> */
  url: string;
  /** https://127.0.0.1:<tlsPort> (same handler and state) */
  httpsUrl: string;
  /** PEM file of the self-signed certificate, for NODE_EXTRA_CA_CERTS. */
  caFile: string;
  pagerduty: FakePagerDuty;
  jira: FakeJira;
  servicenow: FakeServiceNow;
  zammad: FakeZammad;
  opsgenie: FakeOpsgenie;
  jsm: FakeOpsgenie;
  slack: FakeSlack;
  teams: FakeTeams;
  webhook: FakeWebhook;
  readonly log: LoggedRequest[];
  /** Requests that matched no platform route prefix. */
  readonly unrouted: string[];
  /** Milliseconds each answer is held back after the request was applied. */
  latencyMs: number;
  describe(): string;
  close(): Promise<void>;
}

/** A self-signed certificate for 127.0.0.1 in `dir` (key.pem, cert.pem), made with the openssl CLI. */
export function makeCertificate(dir: string): { key: Buffer; cert: Buffer; certFile: string } {
  const keyFile = join(dir, "fake-platforms-key.pem");
  const certFile = join(dir, "fake-platforms-cert.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      keyFile,
      "-out",
      certFile,
      "-days",
      "1",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
    ],
    { stdio: "ignore", timeout: 10_000 },
  );
  return { key: readFileSync(keyFile), cert: readFileSync(certFile), certFile };
}

export async function startFakePlatforms(options: { dir: string; webhookSecret: string }): Promise<FakePlatforms> {
  const { key, cert, certFile } = makeCertificate(options.dir);
  const platforms = {
    pagerduty: new FakePagerDuty(),
    jira: new FakeJira(),
    servicenow: new FakeServiceNow(),
    zammad: new FakeZammad(),
    opsgenie: new FakeOpsgenie("opsgenie"),
    jsm: new FakeOpsgenie("jsm"),
    slack: new FakeSlack(),
    teams: new FakeTeams(),
    webhook: new FakeWebhook(options.webhookSecret),
  };
  const byName = new Map<string, FakePlatform>(Object.values(platforms).map((p) => [p.name, p]));
  const log: LoggedRequest[] = [];
  const unrouted: string[] = [];
  const sockets = new Set<Socket>();
  const held = new Set<NodeJS.Timeout>();
  const state = { latencyMs: 0 };

  const answer = async (req: IncomingMessage, body: string): Promise<{ platform: string; response: FakeResponse }> => {
    const url = new URL(req.url ?? "/", "http://fake.invalid");
    const [, first = "", ...rest] = url.pathname.split("/");
    const platform = byName.get(first);
    if (!platform) {
      unrouted.push(`${req.method} ${url.pathname}`);
      return { platform: first, response: { status: 404, body: "no such platform prefix", headers: {} } };
    }
    const request: FakeRequest = {
      method: req.method ?? "GET",
      path: `/${rest.join("/")}`,
      query: url.searchParams,
      headers: req.headers,
      body,
    };
    try {
      return { platform: first, response: await platform.handle(request) };
    } catch (error) {
      return { platform: first, response: { status: 500, body: `fake ${first} failed: ${String(error)}`, headers: {} } };
    }
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      void answer(req, Buffer.concat(chunks).toString("utf8")).then(({ platform, response }) => {
        log.push({ at: Date.now(), platform, method: req.method ?? "GET", path: req.url ?? "/", status: response.status });
        const send = () => {
          if (res.destroyed) return;
          res.writeHead(response.status, response.headers);
          res.end(response.body);
        };
        if (state.latencyMs <= 0) return send();
        const timer = setTimeout(() => {
          held.delete(timer);
          send();
        }, state.latencyMs);
        held.add(timer);
      });
    });
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  const tls = createTlsServer({ key, cert }, (socket) => server.emit("connection", socket));
  tls.on("tlsClientError", () => {
    /* a client that gave up mid-handshake (the killed Sluice) */
  });
  server.listen(0, "127.0.0.1");
  tls.listen(0, "127.0.0.1");
  await Promise.all([once(server, "listening"), once(tls, "listening")]);
  const port = (server.address() as AddressInfo).port;
  const tlsPort = (tls.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    httpsUrl: `https://127.0.0.1:${tlsPort}`,
    caFile: certFile,
    ...platforms,
    log,
    unrouted,
    get latencyMs() {
      return state.latencyMs;
    },
    set latencyMs(ms: number) {
      state.latencyMs = ms;
    },
    describe: () => [...byName.values()].map((p) => `${p.name}: ${p.describe()}`).join("\n"),
    close: async () => {
      for (const timer of held) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await Promise.all([
        new Promise<void>((resolve) => server.close(() => resolve())),
        new Promise<void>((resolve) => tls.close(() => resolve())),
      ]);
    },
  };
}
