/** For the API description: a comma-separated list of `values` (spaces around the commas are trimmed). */
export function csvPattern(values: readonly string[]): string {
  const one = `[ \t]*(?:${values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})[ \t]*`;
  return `^${one}(?:,${one})*$`;
}
