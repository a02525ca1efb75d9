import { SingleBar } from "cli-progress";
import pino from "pino";
import { loadConfig } from "../config/loader.ts";
import { MemoryConnector } from "../connectors/memory/memory-connector.ts";
import { ManualClock } from "../core/clock.ts";
import { createSluice, type Sluice } from "../main.ts";
import { type Funnel, type ReplayOptions, replayFile } from "../sources/replay/replay-stream.ts";
import { printError } from "./print-problems.ts";

const PROGRESS_FROM_BYTES = 1024 * 1024;

export async function replayCommand(
  file: string,
  options: { config?: string; dryRun?: boolean; json?: boolean },
): Promise<number> {
  try {
    const { config } = loadConfig(options.config);
    const clock = new ManualClock(0);
    const sluice = await createSluice(config, {
      clock,
      dryRun: true,
      processMetrics: false,
      logger: pino({ level: "silent" }),
      ...(options.dryRun ? { dataDir: ":memory:" } : {}),
    });
    const rejections: string[] = [];
    let bar: SingleBar | null = null;
    const funnel = await replayInto(sluice, clock, file, config.patterns.settleWindow, {
      onRejected: (line, message) => {
        if (rejections.length < 20) rejections.push(`line ${line}: ${message}`);
      },
      onProgress: (read, total) => {
        if (total < PROGRESS_FROM_BYTES || options.json || !process.stderr.isTTY) return;
        bar ??= new SingleBar({ format: "replaying [{bar}] {percentage}% | {value}/{total} bytes", stream: process.stderr });
        if (!bar.isActive) bar.start(total, 0);
        bar.update(read);
      },
    });
    (bar as SingleBar | null)?.stop();
    for (const [platform, connector] of sluice.connectors) {
      if (connector instanceof MemoryConnector) funnel.deliveries[platform] = connector.received.length;
    }
    await sluice.close();
    for (const rejection of rejections) process.stderr.write(`rejected ${rejection}\n`);
    process.stdout.write(options.json ? `${JSON.stringify(funnel)}\n` : formatFunnel(funnel));
    return 0;
  } catch (error) {
    printError(error);
    return 1;
  }
}

/**
 * Replays a file through a Sluice on a manual clock the way `sluice replay` does: the delivery worker runs
 * alongside, as in `sluice serve`, so each ticket goes out (or waits) when it would have live; at the end, the
 * time that held first tickets wait at most (`settleMs`, patterns.settleWindow) passes, so those whose
 * patterns did not merge page too.
 */
export async function replayInto(
  sluice: Pick<Sluice, "runner" | "quietResolver" | "worker">,
  clock: ManualClock,
  file: string,
  settleMs: number,
  hooks: Pick<ReplayOptions, "onRejected" | "onProgress" | "batchSize"> = {},
): Promise<Funnel> {
  const funnel = await replayFile(file, {
    runner: sluice.runner,
    quietResolver: sluice.quietResolver,
    clock,
    afterBatch: () => sluice.worker.flush(),
    ...hooks,
  });
  await sluice.runner.flush();
  await sluice.worker.flush();
  if (settleMs > 0) {
    clock.advance(settleMs);
    await sluice.worker.flush();
  }
  return funnel;
}

export function formatFunnel(funnel: Funnel): string {
  const width = String(funnel.signals).length;
  const row = (label: string, value: number) => `  ${label.padEnd(14)} ${String(value).padStart(width)}\n`;
  const passed = funnel.signals - funnel.rejected - funnel.gated - funnel.suppressed;
  let text = "signals → gated → deduplicated → incidents → deliveries\n";
  text += row("signals", funnel.signals);
  text += row("rejected", funnel.rejected);
  text += row("gated", funnel.gated);
  text += row("suppressed", funnel.suppressed);
  text += row("passed", passed);
  text += row("deduplicated", funnel.deduplicated);
  text += row("incidents", funnel.incidents);
  const platforms = Object.entries(funnel.deliveries);
  if (platforms.length === 0) text += "  deliveries     none (no platform routed)\n";
  for (const [platform, count] of platforms) text += row(`→ ${platform}`, count);
  if (passed > 0)
    text += `  noise reduction ${((1 - funnel.incidents / Math.max(1, funnel.signals)) * 100).toFixed(1)}% (signals per incident ${(funnel.signals / Math.max(1, funnel.incidents)).toFixed(1)})\n`;
  return text;
}
