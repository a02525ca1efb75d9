import { loadConfig } from "../config/loader.ts";
import { systemClock } from "../core/clock.ts";
import { createSummarizer } from "../pipeline/enrich/llm/summarizer.ts";
import { printError } from "./print-problems.ts";

/** `sluice test-llm`: the same check as the API: a tiny call to the configured model. */
export async function testLlmCommand(options: { config?: string; json?: boolean }): Promise<number> {
  try {
    const { config } = loadConfig(options.config);
    const summarizer = createSummarizer(config.llm, { http: (url, init) => fetch(url, init), clock: systemClock });
    const check = await summarizer.test();
    process.stdout.write(
      options.json
        ? `${JSON.stringify(check)}\n`
        : `llm: ${check.ok ? "ok" : "FAILED"} in ${check.latencyMs} ms — ${check.detail}\n`,
    );
    return check.ok ? 0 : 1;
  } catch (error) {
    printError(error);
    return 2;
  }
}
