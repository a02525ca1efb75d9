import { once } from "node:events";
import { readFileSync } from "node:fs";
import type { Readable, Writable } from "node:stream";
import { type DetectorConfig, detectorConfigSchema } from "../config/detect-config.ts";
import { SluiceError } from "../core/errors.ts";
import { createBurnRateDetector, createSeriesDetector } from "../detect/detectors/registry.ts";
import { parseSeriesCsv, parseTimestamp } from "../detect/series-csv.ts";
import { csvField } from "../patterns/csv.ts";
import { printError } from "./print-problems.ts";

const OUTPUT_CHUNK = 64 * 1024;

/** Options of `sluice detect`. */
export interface DetectOptions {
  /** Detector kind (default contextual). */
  detector?: string;
  /** The detector's parameters as a JSON object, e.g. '{"above": 90}'. */
  params?: string;
  /** Add `firing` and `reason` columns. */
  explain?: boolean;
}

/**
 * `sluice detect FILE.csv`: runs one detector over a `timestamp,value` CSV (NAB's data format; `-` reads stdin)
 * and prints NAB's results format, `timestamp,value,anomaly_score`. slo-burn-rate reads and prints
 * `timestamp,good,total` (cumulative counts) instead of `value`.
 */
export async function detectCommand(
  file: string,
  options: DetectOptions,
  io: { stdin?: Readable; stdout?: Writable } = {},
): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  try {
    const config = detectorConfig(options.detector ?? "contextual", options.params);
    const text = file === "-" ? await readAll(io.stdin ?? process.stdin) : readFileSync(file, "utf8");
    const explain = options.explain ?? false;
    let out = "";
    const flush = async () => {
      if (out !== "" && !stdout.write(out)) await once(stdout, "drain");
      out = "";
    };
    const tail = (firing: boolean, reason: string) => (explain ? `,${firing},${csvField(reason)}\n` : "\n");

    if (config.kind === "slo-burn-rate") {
      const detector = createBurnRateDetector(config);
      out = `timestamp,good,total,anomaly_score${explain ? ",firing,reason" : ""}\n`;
      for (const row of parseCountsCsv(text, file)) {
        const d = detector.update(row.time, row.good, row.total);
        out += `${row.stamp},${row.good},${row.total},${round(d.score)}${tail(d.firing, d.reason)}`;
        if (out.length >= OUTPUT_CHUNK) await flush();
      }
    } else {
      const series = parseSeriesCsv(text, file);
      const detector = createSeriesDetector(config);
      out = `timestamp,value,anomaly_score${explain ? ",firing,reason" : ""}\n`;
      for (let i = 0; i < series.values.length; i++) {
        const value = series.values[i] as number;
        const d = detector.update(series.times[i] as number, value);
        out += `${series.stamps[i]},${value},${round(d.score)}${tail(d.firing, d.reason)}`;
        if (out.length >= OUTPUT_CHUNK) await flush();
      }
    }
    await flush();
    return 0;
  } catch (error) {
    // The reader went away (`sluice detect x.csv | head`): not a failure.
    if ((error as NodeJS.ErrnoException).code === "EPIPE") return 0;
    printError(error);
    return 1;
  }
}

/** The detector config from the command line, validated by the same schema as `detect.rules[].detector`. */
export function detectorConfig(kind: string, params: string | undefined): DetectorConfig {
  let parsedParams: unknown = {};
  if (params !== undefined) {
    try {
      parsedParams = JSON.parse(params);
    } catch {
      throw new SluiceError("VALIDATION_FAILED", `--params is not JSON: ${params}`);
    }
    if (parsedParams === null || typeof parsedParams !== "object" || Array.isArray(parsedParams)) {
      throw new SluiceError("VALIDATION_FAILED", "--params must be a JSON object, e.g. '{\"above\": 90}'");
    }
  }
  // In a CSV the good and total counts are columns, not PromQL; the schema still wants the queries named.
  const columns = kind === "slo-burn-rate" ? { good: "good column", total: "total column" } : {};
  const result = detectorConfigSchema.safeParse({ ...columns, ...(parsedParams as object), kind });
  if (result.success) return result.data;
  throw new SluiceError("VALIDATION_FAILED", `invalid detector "${kind}" or its --params`, {
    problems: result.error.issues.map((issue) => ({ path: issue.path.join(".") || "detector", message: issue.message })),
  });
}

interface CountsRow {
  stamp: string;
  time: number;
  good: number;
  total: number;
}

/** Reads `timestamp,good,total` rows (cumulative counts) for slo-burn-rate. */
function parseCountsCsv(text: string, source: string): CountsRow[] {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? "").split(",").map((h) => h.trim().toLowerCase());
  const [ti, gi, ni] = ["timestamp", "good", "total"].map((c) => header.indexOf(c)) as [number, number, number];
  if (ti < 0 || gi < 0 || ni < 0) throw new Error(`${source}: line 1 must be a header with timestamp, good and total columns`);
  const rows: CountsRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === "") continue;
    const cells = line.split(",").map((c) => c.trim());
    const stamp = cells[ti] ?? "";
    const time = parseTimestamp(stamp);
    const good = Number(cells[gi]);
    const total = Number(cells[ni]);
    if (Number.isNaN(time)) throw new Error(`${source}: line ${i + 1}: "${stamp}" is not a timestamp`);
    if (!Number.isFinite(good) || !Number.isFinite(total) || cells[gi] === "" || cells[ni] === "") {
      throw new Error(`${source}: line ${i + 1}: good and total must be numbers`);
    }
    rows.push({ stamp, time, good, total });
  }
  return rows;
}

function round(score: number): number {
  return Math.round(score * 1e6) / 1e6;
}

async function readAll(stream: Readable): Promise<string> {
  let text = "";
  for await (const chunk of stream) text += String(chunk);
  return text;
}
