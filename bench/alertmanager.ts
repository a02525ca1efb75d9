// Prometheus Alertmanager (Debian package) as the baseline: installed if missing, run on a loopback
// port with a minimal config (one "null" receiver) and its storage in a temporary directory.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, SERVER_CPU, spawnPinned, stopProcess, waitForHttp } from "./processes.ts";

export const ALERTMANAGER = "/usr/bin/prometheus-alertmanager";

const CONFIG = `route:
  receiver: "null"
  group_by: ["alertname", "service"]
receivers:
  - name: "null"
`;

/** Installs prometheus-alertmanager when absent; runs apt-get update only if the first try fails. */
export function ensureAlertmanager(log: (line: string) => void): void {
  if (existsSync(ALERTMANAGER)) return;
  const install = () =>
    execFileSync("apt-get", ["install", "-y", "prometheus-alertmanager"], {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      timeout: 300_000,
    });
  log("installing prometheus-alertmanager (apt-get install -y prometheus-alertmanager)");
  try {
    install();
  } catch {
    log("install failed; running apt-get update and trying again");
    execFileSync("apt-get", ["update"], { stdio: "ignore", timeout: 300_000 });
    install();
  }
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
  const dir = mkdtempSync(join(tmpdir(), "benchrun-alertmanager-"));
  const port = await freePort();
  const configFile = join(dir, "alertmanager.yml");
  writeFileSync(configFile, CONFIG);
  const { child, stderr } = spawnPinned(SERVER_CPU, ALERTMANAGER, [
    `--config.file=${configFile}`,
    `--storage.path=${join(dir, "data")}`,
    `--web.listen-address=127.0.0.1:${port}`,
    // An empty cluster address turns gossip off: a single instance, as Sluice is here.
    "--cluster.listen-address=",
    "--log.level=warn",
  ]);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopProcess(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForHttp(`${url}/-/ready`, child, 30_000, stderr);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, pid: child.pid, stop };
}
