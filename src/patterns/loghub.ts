import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseCsv } from "./csv.ts";

/** One labelled Loghub 2k sample: raw lines, their message part (`Content`) and true event ids. */
export interface LoghubDataset {
  readonly name: string;
  readonly rawLines: string[];
  readonly contents: string[];
  readonly eventIds: string[];
  /** Every line's true template (`EventTemplate`), for parsing accuracy. */
  readonly templates: string[];
}

/** Reads every `<name>/<name>_2k.log` with its `_structured_corrected.csv` under `dir`, in place. */
export function loadLoghubDatasets(dir: string): LoghubDataset[] {
  if (!existsSync(dir)) return [];
  const datasets: LoghubDataset[] = [];
  for (const name of readdirSync(dir).sort()) {
    const log = join(dir, name, `${name}_2k.log`);
    const structured = `${log}_structured_corrected.csv`;
    if (!existsSync(log) || !existsSync(structured)) continue;
    const [header, ...rows] = parseCsv(readFileSync(structured, "utf8"));
    const content = header?.indexOf("Content") ?? -1;
    const eventId = header?.indexOf("EventId") ?? -1;
    const template = header?.indexOf("EventTemplate") ?? -1;
    if (content < 0 || eventId < 0 || template < 0) throw new Error(`${structured}: no Content, EventId or EventTemplate column`);
    const rawLines = readFileSync(log, "utf8").split(/\r?\n/);
    if (rawLines[rawLines.length - 1] === "") rawLines.pop();
    datasets.push({
      name,
      rawLines,
      contents: rows.map((r) => r[content] ?? ""),
      eventIds: rows.map((r) => r[eventId] ?? ""),
      templates: rows.map((r) => r[template] ?? ""),
    });
  }
  return datasets;
}
