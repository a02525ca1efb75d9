import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Where the vendors' API descriptions live: SLUICE_SPECS_DIR, else `<repo>/../shared/specs`. */
export function specsDir(): string {
  const fromEnv = process.env.SLUICE_SPECS_DIR;
  return fromEnv ? fromEnv : fileURLToPath(new URL("../../../shared/specs/", import.meta.url));
}

/** A spec file the contract test needs, or why the test is skipped. */
export interface SpecLocation {
  path: string;
  /** False when the file is there; otherwise the skip reason to hand to `describe(..., { skip })`. */
  skip: false | string;
}

/**
 * Finds one spec file. A user's clone has no ../shared, so a missing file skips the contract test with
 * a loud notice; under CI=true a missing file throws instead, so CI can never pass without the contract.
 */
export function locateSpec(relativePath: string): SpecLocation {
  const path = join(specsDir(), relativePath);
  if (existsSync(path)) return { path, skip: false };
  const missing = `../shared/specs missing (${relativePath} not found under ${specsDir()})`;
  if (process.env.CI === "true") {
    throw new Error(`FAILED: ${missing}; CI=true requires the contract tests to run: set SLUICE_SPECS_DIR or provide ../shared`);
  }
  const notice = `SKIPPED: ${missing}; contract tests did not run`;
  console.warn(`\n*** ${notice} ***\n`);
  return { path, skip: notice };
}
