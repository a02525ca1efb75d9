import { loadConfig } from "../config/loader.ts";
import { PLATFORM_NAMES } from "../config/schema.ts";
import { systemClock } from "../core/clock.ts";
import { testConnection } from "../delivery/test-connection.ts";
import { buildConnectors } from "../wiring/connectors.ts";
import { printError } from "./print-problems.ts";

/** `sluice test-connection <platform>`: the same check as the API, from the command line. */
export async function testConnectionCommand(platform: string, options: { config?: string; json?: boolean }): Promise<number> {
  try {
    const { config } = loadConfig(options.config);
    const report = await testConnection(buildConnectors(config, {}, systemClock), platform, PLATFORM_NAMES);
    process.stdout.write(
      options.json
        ? `${JSON.stringify(report)}\n`
        : `${report.platform}: ${report.ok ? "ok" : "FAILED"} in ${report.latencyMs} ms — ${report.detail}\n`,
    );
    return report.ok ? 0 : 1;
  } catch (error) {
    printError(error);
    return 2;
  }
}
