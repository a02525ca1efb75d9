import { loadCatalog } from "../catalog/load-catalog.ts";
import { loadConfig } from "../config/loader.ts";
import { printCatalogProblems } from "./catalog.ts";
import { printError } from "./print-problems.ts";

export async function checkConfigCommand(file: string | undefined): Promise<number> {
  try {
    const { config, warnings, source } = loadConfig(file);
    for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
    // The catalog files it names are part of the configuration: check them too.
    const catalogProblems = config.catalog ? loadCatalog(config.catalog).problems : [];
    if (catalogProblems.length > 0) {
      printCatalogProblems(catalogProblems);
      return 1;
    }
    process.stdout.write(`${source}: ok${warnings.length ? ` (${warnings.length} warning(s))` : ""}\n`);
    return 0;
  } catch (error) {
    printError(error);
    return 1;
  }
}
