import type { Connector } from "../connectors/connector.ts";
import { SluiceError } from "../core/errors.ts";

export interface ConnectionReport {
  ok: boolean;
  platform: string;
  latencyMs: number;
  detail: string;
}

/**
 * Checks one platform's credentials and reachability without creating a ticket or paging anyone.
 * A connector that throws (it should not) is reported as a failed check, never as a server error.
 */
export async function testConnection(
  connectors: ReadonlyMap<string, Connector>,
  platform: string,
  known: readonly string[],
): Promise<ConnectionReport> {
  const connector = connectors.get(platform);
  if (!connector) {
    if (!known.includes(platform)) {
      throw new SluiceError("NOT_FOUND", `unknown platform "${platform}" (known: ${known.join(", ")})`);
    }
    throw new SluiceError("VALIDATION_FAILED", `${platform} is not enabled in this configuration`, {
      problems: [{ path: "platform", message: `set ${platform}.enabled: true (and its credentials) to use it` }],
    });
  }
  const started = performance.now();
  let check: { ok: boolean; detail: string };
  try {
    check = await connector.testConnection();
  } catch (error) {
    check = { ok: false, detail: `check failed: ${error instanceof Error ? error.name : "error"}` };
  }
  return { ok: check.ok, platform, latencyMs: Math.round(performance.now() - started), detail: check.detail };
}
