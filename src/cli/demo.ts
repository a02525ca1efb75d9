import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { MemoryConnector } from "../connectors/memory/memory-connector.ts";
import { compileTemplates, renderTicketText } from "../connectors/ticket-text.ts";
import type { Sluice } from "../main.ts";
import type { Funnel } from "../sources/replay/replay-stream.ts";
import { demoStream } from "./demo/demo-stream.ts";
import { printError } from "./print-problems.ts";
import { formatFunnel } from "./replay.ts";
import { startServer } from "./serve.ts";

const DEMO_DATA = "./data/demo";
const BATCH = 50;

interface IngestResponse {
  results?: { outcome: string }[];
}

/** Starts Sluice on defaults, sends it the demo stream over HTTP like a real source would, and shows the result. */
export async function demoCommand(port: number, exitAfter: boolean): Promise<number> {
  try {
    rmSync(DEMO_DATA, { recursive: true, force: true });
    // Defaults plus a bundled service catalog, so the tickets show owners, runbooks and dependencies.
    const { sluice, url } = await startServer(undefined, {
      port,
      dataDir: DEMO_DATA,
      logLevel: "warn",
      document: { catalog: { files: [fileURLToPath(new URL("./demo/demo-catalog.yaml", import.meta.url))] } },
    });
    const start = Date.now() - 30 * 60_000;
    const items = demoStream(start);
    const funnel: Funnel = { signals: 0, rejected: 0, gated: 0, suppressed: 0, deduplicated: 0, incidents: 0, deliveries: {} };
    let batch: unknown[] = [];
    const send = async (path: string, body: unknown) => {
      const response = await fetch(`${url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      const answer = (await response.json()) as IngestResponse;
      if (response.status !== 202) throw new Error(`demo stream rejected (${response.status}): ${JSON.stringify(answer)}`);
      for (const { outcome } of answer.results ?? []) {
        funnel.signals++;
        if (outcome === "gated") funnel.gated++;
        else if (outcome === "suppressed") funnel.suppressed++;
        else if (outcome === "deduplicated" || outcome === "duplicate") funnel.deduplicated++;
        else if (outcome === "opened") funnel.incidents++;
      }
    };
    // The deploy that causes the error spike, as a CD tool would report it: the payments incident lists it.
    const deploy = await fetch(`${url}/api/v1/changes`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(demoDeploy(start)),
    });
    if (deploy.status !== 202) throw new Error(`demo deploy rejected (${deploy.status}): ${await deploy.text()}`);
    for (const item of items) {
      if ("alerts" in item) {
        if (batch.length) await send("/api/v1/signals", batch);
        batch = [];
        await send("/api/v1/webhooks/alertmanager", item);
      } else {
        batch.push(item);
        if (batch.length >= BATCH) {
          await send("/api/v1/signals", batch);
          batch = [];
        }
      }
    }
    if (batch.length) await send("/api/v1/signals", batch);
    await sluice.runner.flush();
    await sluice.worker.flush();
    for (const [platform, connector] of sluice.connectors) {
      if (connector instanceof MemoryConnector) funnel.deliveries[platform] = connector.received.length;
    }
    process.stdout.write(`\nSluice demo: ${items.length} recorded signals sent to ${url}\n\n${formatFunnel(funnel)}\n`);
    process.stdout.write(await exampleTicket(sluice, "payments"));
    process.stdout.write(
      [
        `The web console: ${url}/   (incidents live, each one's story, the funnel; no token needed in the demo)`,
        "",
        "Where to look:",
        `  ${url}/api/incidents                 the incidents (try ?state=open or ?severity=critical)`,
        `  ${url}/api/incidents/INC-1           one incident with its signals, timeline and tickets`,
        `  ${url}/api/deliveries                what went to which platform`,
        `  ${url}/metrics                       Prometheus metrics`,
        `  ${url}/openapi.json                  the API description`,
        `  curl -XPOST ${url}/api/incidents/INC-1/acknowledge`,
        "",
      ].join("\n"),
    );
    if (exitAfter) {
      await sluice.close();
      return 0;
    }
    process.stdout.write("Serving until Ctrl-C.\n");
    await new Promise(() => {});
    return 0;
  } catch (error) {
    printError(error);
    return 1;
  }
}

/** The deploy of payments 2.3.1, two minutes before its errors start (see demoStream). */
function demoDeploy(start: number) {
  return {
    id: "deploy-payments-2.3.1",
    source: "argo-cd",
    service: "payments",
    tenant: "acme",
    kind: "deploy",
    version: "2.3.1",
    author: "release-bot",
    summary: "rollout payments 2.3.1 (card authorizer refactor)",
    at: new Date(start + 3 * 60_000).toISOString(),
    url: "https://argo.example.com/applications/payments",
  };
}

/** The create ticket of the service's first incident, as the default template renders it for every platform. */
async function exampleTicket(sluice: Sluice, service: string): Promise<string> {
  const { items } = await sluice.store.incidents.list({ service, limit: 1 });
  const first = items.at(-1);
  if (!first) return "";
  const incident = (await sluice.store.incidents.get(first.id)) ?? first;
  const { title, body } = renderTicketText(compileTemplates(), { incident, detail: "", incidentUrl: null, action: "create" });
  const indented = body
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n");
  return `\nThe ticket every platform got for ${incident.key} (default template):\n\n  ${title}\n\n${indented}\n\n`;
}
