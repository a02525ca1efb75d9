// Prometheus Alertmanager (Debian package) as the baseline: installed if missing, run on a loopback
// port with a minimal config (one "null" receiver) and its storage in a temporary directory.
import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startPinnedServer } from "./processes.ts";

export const ALERTMANAGER = "/usr/bin/prometheus-alertmanager";

const CONFIG = `route:
  receiver: "null"
  group_by: ["alertname", "service"]
receivers:
  - name: "null"
`;

/** Installs prometheus-alertmanager when absent, through scripts/apt-install.sh (one apt-get at a time, update if needed). */
export function ensureAlertmanager(log: (line: string) => void): void {
  if (existsSync(ALERTMANAGER)) return;
  log("installing prometheus-alertmanager (scripts/apt-install.sh prometheus-alertmanager)");
  execFileSync(fileURLToPath(new URL("../scripts/apt-install.sh", import.meta.url)), ["prometheus-alertmanager"], {
    stdio: ["ignore", "ignore", "inherit"],
    timeout: 600_000,
  });
  if (!existsSync(ALERTMANAGER)) throw new Error(`${ALERTMANAGER} is still missing after apt-get install`);
}

export function alertmanagerVersion(): string {
  const text = execFileSync(ALERTMANAGER, ["--version"], { stdio: ["ignore", "pipe", "pipe"] }).toString();
  return text.split("\n")[0]?.trim() ?? "unknown";
}

export interface AlertmanagerServer {
  url: string;
  pid: number | undefined;
  stop(): Promise<void>;
}

export async function startAlertmanager(): Promise<AlertmanagerServer> {
  const server = await startPinnedServer({
    dirPrefix: "benchrun-alertmanager-",
    command: ALERTMANAGER,
    args: (port, dir) => {
      const configFile = join(dir, "alertmanager.yml");
      writeFileSync(configFile, CONFIG);
      return [
        `--config.file=${configFile}`,
        `--storage.path=${join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
        // An empty cluster address turns gossip off: a single instance, as Sluice is here.
        "--cluster.listen-address=",
        "--log.level=warn",
      ];
    },
    readyPath: "/-/ready",
  });
  return {
    url: server.url,
    pid: server.child.pid,
    async stop() {
      await server.stop();
      server.cleanup();
    },
  };
}
