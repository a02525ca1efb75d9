import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium as playwright } from "playwright-core";
import { buildWeb } from "../../scripts/build-web.ts";
import { demoStream } from "../../src/cli/demo/demo-stream.ts";
import { parseConfig } from "../../src/config/loader.ts";
import { sha256Hex } from "../../src/sources/http/auth.ts";
import { listeningSluice } from "../../src/testing/in-memory-sluice.ts";
import { provision } from "./provision.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export const TOKENS = { viewer: "viewer-secret-1", responder: "responder-secret-1", admin: "admin-secret-1" } as const;

/** The built console (built here when the suite runs on its own, without `npm test` building it first). */
export async function ensureConsoleBuilt(): Promise<void> {
  if (!existsSync(join(root, "web", "dist", "index.html"))) await buildWeb();
}

/** Debian's chromium, provisioned by scripts/chromium.sh, driven by playwright-core. */
export async function launchChromium(): Promise<Browser | { problem: string }> {
  const found = provision("chromium.sh");
  if ("problem" in found) return found;
  return playwright.launch({ executablePath: found.output[0] as string, args: ["--no-sandbox", "--disable-gpu"] });
}

/** The suggest-mode playbook the console suite adds; it matches only these services, none of the demo's. */
export const REMEDY = { playbook: "reset-remedy-pool", services: ["remedy-shop", "remedy-cart"] } as const;

/**
 * A Sluice with viewer, responder and admin tokens and the demo catalog, listening on a free port; with
 * `remediationUrl`, a suggest-mode playbook whose http action calls `<remediationUrl>/admin/<service>/reset`.
 */
export async function consoleSluice(options: { remediationUrl?: string } = {}) {
  const { config } = parseConfig(
    {
      auth: {
        tokens: Object.entries(TOKENS).map(([role, token]) => ({ name: `${role}-person`, role, sha256: sha256Hex(token) })),
      },
      catalog: { files: [join(root, "src", "cli", "demo", "demo-catalog.yaml")] },
      ...(options.remediationUrl
        ? {
            remediation: {
              playbooks: [
                {
                  name: REMEDY.playbook,
                  match: { service: [...REMEDY.services] },
                  action: { kind: "http", url: `${options.remediationUrl}/admin/{{service}}/reset` },
                  verify: { quietFor: "1m", within: "5m" },
                  mode: { "*": "suggest" },
                },
              ],
            },
          }
        : {}),
    },
    {},
    root,
    "test",
  );
  const { sluice, port } = await listeningSluice(config);
  const url = `http://127.0.0.1:${port}`;
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKENS.admin}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (response.status >= 300) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
    return response;
  };
  /** The demo's recorded stream, sent over HTTP like `sluice demo` sends it. */
  const sendDemo = async () => {
    const batch: unknown[] = [];
    const flushBatch = async () => {
      if (batch.length) await post("/api/v1/signals", batch.splice(0));
    };
    for (const item of demoStream(Date.now() - 30 * 60_000)) {
      if ("alerts" in item) {
        await flushBatch();
        await post("/api/v1/webhooks/alertmanager", item);
      } else {
        batch.push(item);
        if (batch.length >= 50) await flushBatch();
      }
    }
    await flushBatch();
    await sluice.runner.flush();
    await sluice.worker.flush();
  };
  return { sluice, url, post, sendDemo };
}

/** axe-core's source, injected into pages to audit them. */
export function axeSource(): string {
  const require = createRequire(import.meta.url);
  return require("node:fs").readFileSync(require.resolve("axe-core/axe.min.js"), "utf8") as string;
}
