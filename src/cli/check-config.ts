import { loadConfig } from "../config/loader.ts";
import { printError } from "./print-problems.ts";

export async function checkConfigCommand(file: string | undefined): Promise<number> {
  try {
    const { warnings, source } = loadConfig(file);
    for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
    process.stdout.write(`${source}: ok${warnings.length ? ` (${warnings.length} warning(s))` : ""}\n`);
    return 0;
  } catch (error) {
    printError(error);
    return 1;
  }
}
