/**
 * A case-insensitive regex source for plain text: the combined pass runs without the `i` flag (most
 * detectors are case-sensitive), so the few case-insensitive words spell out both cases.
 */
export function ci(word: string): string {
  let out = "";
  for (const ch of word) {
    const lower = ch.toLowerCase();
    const upper = ch.toUpperCase();
    out += lower === upper ? ch : `[${upper}${lower}]`;
  }
  return out;
}
