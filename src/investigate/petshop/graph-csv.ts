import { SluiceError } from "../../core/errors.ts";
import { parseCsv } from "../../patterns/csv.ts";
import type { CallEdge } from "../analysis/call-graph.ts";

/** The nodes a PetShop `graph.csv` names and its caller → callee edges. */
export interface GraphTable {
  readonly nodes: readonly string[];
  readonly edges: readonly CallEdge[];
}

const invalid = (path: string, message: string) =>
  new SluiceError("VALIDATION_FAILED", `${path}: ${message}`, { problems: [{ path, message }] });

/**
 * Parses a PetShop `graph.csv`: an adjacency matrix whose first row and first column name the nodes, where a
 * non-zero cell means the row's node calls the column's node. `path` names the file in errors.
 */
export function parseGraphCsv(text: string, path: string): GraphTable {
  const rows = parseCsv(text).filter((row) => row.some((cell) => cell.trim() !== ""));
  const header = rows[0];
  if (!header || header.length < 2) throw invalid(path, "no header row naming the nodes");
  const columns = header.slice(1).map((name) => name.trim());
  const nodes = new Set(columns.filter((name) => name !== ""));
  const edges: CallEdge[] = [];
  rows.slice(1).forEach((row, r) => {
    const caller = (row[0] ?? "").trim();
    if (caller === "") throw invalid(path, `row ${r + 2} names no node`);
    nodes.add(caller);
    columns.forEach((callee, c) => {
      const cell = (row[c + 1] ?? "").trim();
      if (cell === "" || callee === "") return;
      const weight = Number(cell);
      if (!Number.isFinite(weight)) throw invalid(path, `row ${r + 2} (${caller}), column ${c + 2}: "${cell}" is not a number`);
      if (weight !== 0) edges.push({ caller, callee });
    });
  });
  return { nodes: [...nodes], edges };
}
