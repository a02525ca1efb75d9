/** A `timestamp,value` series (NAB's data format) as read from CSV. */
export interface SeriesCsv {
  /** Each row's timestamp exactly as written, for echoing back. */
  readonly stamps: string[];
  /** Epoch milliseconds of each row. */
  readonly times: Float64Array;
  readonly values: Float64Array;
}

const NAB_TIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Parses a timestamp as NAB writes it ("2014-04-10 07:15:00", optionally with fractional seconds), an ISO 8601
 * date-time, or epoch seconds; a time without a zone is UTC. NaN when it is none of these.
 */
export function parseTimestamp(text: string): number {
  const s = text.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  const m = NAB_TIME.exec(s);
  if (!m) return Number.NaN;
  return Date.parse(`${m[1]}T${m[2]}${m[3] ?? "Z"}`);
}

/**
 * Reads `timestamp,value` rows after a header naming those two columns; throws naming the first bad line.
 * Rows stay in file order even where time goes back (real exports do that; NAB's machine_temperature does).
 */
export function parseSeriesCsv(text: string, source = "input"): SeriesCsv {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? "").split(",").map((h) => h.trim().replace(/^"|"$/g, "").toLowerCase());
  const ti = header.indexOf("timestamp");
  const vi = header.indexOf("value");
  if (ti < 0 || vi < 0) throw new Error(`${source}: line 1 must be a header with "timestamp" and "value" columns`);
  const stamps: string[] = [];
  const times: number[] = [];
  const values: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === "") continue;
    const cells = line.split(",");
    const stamp = (cells[ti] ?? "").trim();
    const t = parseTimestamp(stamp.replace(/^"|"$/g, ""));
    const raw = (cells[vi] ?? "").trim();
    const v = raw === "" ? Number.NaN : Number(raw);
    if (Number.isNaN(t)) throw new Error(`${source}: line ${i + 1}: "${stamp}" is not a timestamp`);
    if (!Number.isFinite(v)) throw new Error(`${source}: line ${i + 1}: "${raw}" is not a number`);
    stamps.push(stamp);
    times.push(t);
    values.push(v);
  }
  return { stamps, times: Float64Array.from(times), values: Float64Array.from(values) };
}
