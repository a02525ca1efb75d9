import pino from "pino";
import { parseConfig } from "../config/loader.ts";
import { createSluice, type Sluice } from "../main.ts";

/** Runs `work` on a Sluice built from the default config (in memory, dry run, silent), then closes it. */
export async function withDefaultsSluice<T>(work: (sluice: Sluice) => Promise<T> | T): Promise<T> {
  const { config } = parseConfig({}, {}, process.cwd(), "defaults");
  const sluice = await createSluice(config, {
    dataDir: ":memory:",
    dryRun: true,
    processMetrics: false,
    logger: pino({ level: "silent" }),
  });
  try {
    return await work(sluice);
  } finally {
    await sluice.close();
  }
}
