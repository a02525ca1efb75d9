import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ChildPeer } from "./child-peer.ts";
import { freePort } from "./sluice-process.ts";

export interface PrometheusOptions {
  /** Scrape jobs: job name → the local port its target listens on. */
  jobs: Record<string, number>;
  /** Lines of prometheus.yml between `global` and `scrape_configs` (rule_files, alerting). */
  extra?: string[];
}

/**
 * A real Prometheus for a suite, scraping and evaluating every second (the suites' clocks are seconds long),
 * its config and TSDB under `dir`. Resolves once /-/ready answers; stop it with `peer.stop()`.
 */
export async function startPrometheus(
  binary: string,
  dir: string,
  options: PrometheusOptions,
): Promise<{ url: string; peer: ChildPeer }> {
  const port = await freePort();
  const config = join(dir, "prometheus.yml");
  writeFileSync(
    config,
    [
      "global: { scrape_interval: 1s, evaluation_interval: 1s }",
      ...(options.extra ?? []),
      "scrape_configs:",
      ...Object.entries(options.jobs).flatMap(([name, target]) => [
        `  - job_name: ${name}`,
        `    static_configs: [{ targets: ["127.0.0.1:${target}"] }]`,
      ]),
    ].join("\n"),
  );
  const url = `http://127.0.0.1:${port}`;
  const peer = new ChildPeer("prometheus", binary, [
    `--config.file=${config}`,
    `--storage.tsdb.path=${join(dir, "prom-data")}`,
    `--web.listen-address=127.0.0.1:${port}`,
  ]);
  await peer.ready(`${url}/-/ready`);
  return { url, peer };
}
