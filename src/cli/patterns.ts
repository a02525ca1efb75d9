import { once } from "node:events";
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { csvField } from "../patterns/csv.ts";
import { stripHeader } from "../patterns/header.ts";
import { IndexSpool } from "../patterns/index-spool.ts";
import { PatternMiner } from "../patterns/miner.ts";
import { printError } from "./print-problems.ts";

const OUTPUT_CHUNK = 64 * 1024;

/** Options of `sluice patterns`. */
export interface PatternsOptions {
  format?: "ndjson" | "csv";
  /** Remove each line's log header (timestamp, level, thread, logger) before mining; default true. */
  stripHeader?: boolean;
}

/**
 * `sluice patterns [file|-]`: mines the lines of a log file (or stdin) into patterns and prints
 * every line's final pattern. Two passes: the first mines and spools each line's pattern number to a
 * temporary file; the second prints each line with its pattern's final template. Memory holds the
 * patterns only, not the lines.
 */
export async function patternsCommand(
  file: string | undefined,
  options: PatternsOptions,
  io: { stdin?: Readable; stdout?: Writable } = {},
): Promise<number> {
  const format = options.format ?? "ndjson";
  if (format !== "ndjson" && format !== "csv") {
    process.stderr.write(`error: unknown format "${String(format)}" (ndjson or csv)\n`);
    return 2;
  }
  const strip = options.stripHeader ?? true;
  const stdout = io.stdout ?? process.stdout;
  const spool = new IndexSpool();
  try {
    const input = file === undefined || file === "-" ? (io.stdin ?? process.stdin) : createReadStream(file);
    const miner = new PatternMiner();
    const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
    for await (const line of lines) spool.push(miner.add(strip ? stripHeader(line) : line).index);

    // Each pattern's output text is built once, then repeated per line. A pattern that merged into
    // another prints as the one it joined: every line shows its final pattern.
    const suffixes: string[] = [];
    for (let i = 0; i < miner.createdCount; i++) {
      const p = miner.pattern(i);
      if (!p) throw new Error(`pattern ${i} missing`);
      suffixes.push(
        format === "csv"
          ? `,${csvField(p.patternId)},${csvField(p.template)}\n`
          : `,"patternId":${JSON.stringify(p.patternId)},"template":${JSON.stringify(p.template)}}\n`,
      );
    }
    let out = format === "csv" ? "LineId,EventId,EventTemplate\n" : "";
    let n = 0;
    for (const index of spool.values()) {
      n++;
      out += format === "csv" ? `${n}${suffixes[index]}` : `{"line":${n}${suffixes[index]}`;
      if (out.length >= OUTPUT_CHUNK) {
        if (!stdout.write(out)) await once(stdout, "drain");
        out = "";
      }
    }
    if (out !== "" && !stdout.write(out)) await once(stdout, "drain");
    return 0;
  } catch (error) {
    // The reader went away (`sluice patterns x.log | head`): not a failure.
    if ((error as NodeJS.ErrnoException).code === "EPIPE") return 0;
    printError(error);
    return 1;
  } finally {
    spool.close();
  }
}
