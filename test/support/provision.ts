import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * Runs one of the scripts/ that provision a real peer (idempotent: it installs or starts what is
 * missing, and is quick once it runs) and returns the last `lines` lines it printed (its address, URL
 * or binaries), or why it failed. Its progress goes to stderr, which the test run shows.
 */
export function provision(script: string, lines = 1): { output: string[] } | { problem: string } {
  const run = spawnSync("bash", [join(root, "scripts", script)], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    timeout: 15 * 60_000,
  });
  const output = (run.stdout ?? "")
    .trim()
    .split("\n")
    .slice(-lines)
    .filter((line) => line.length > 0);
  if (run.status === 0 && output.length === lines) return { output };
  return { problem: `scripts/${script} failed (${run.error?.message ?? `exit ${run.status}`})` };
}
