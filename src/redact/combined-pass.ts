import type { Detector } from "./detector.ts";
import { mask } from "./mask.ts";

type Pass = (text: string) => string;

// Distinct detector subsets seen in practice are few (a message holds one or two kinds of secret);
// the bound only guards against pathological input churning the cache.
const MAX_CACHED_PASSES = 256;

// Key=value matches hand their value back for another pass ("token_url=https://u:pw@h"); chains like
// "a=b=c=…" would nest once per pair, so nesting stops here and the innermost rest is kept as is.
const MAX_NESTING = 8;

/** Builds one pass over `detectors`: one global regex whose alternatives are the detectors, each one
 * capturing group, so the group that matched names the detector. */
function buildPass(detectors: readonly Detector[]): Pass {
  const regex = new RegExp(detectors.map((d) => `(${d.source})`).join("|"), "g");
  const count = detectors.length;
  const run = (text: string, depth: number): string =>
    text.replace(regex, (match: string, ...groups: unknown[]) => {
      for (let i = 0; i < count; i++) {
        if (groups[i] === undefined) continue;
        const detector = detectors[i];
        if (detector === undefined) break;
        if (detector.mask === undefined) return mask(detector.kind);
        const inner = (fragment: string) => (depth < MAX_NESTING ? run(fragment, depth + 1) : fragment);
        return detector.mask(match, inner) ?? match;
      }
      return match;
    });
  return (text) => run(text, 0);
}

/**
 * Redacts text with the detectors in one left-to-right pass. A big alternation is slower per
 * character than its parts (the regex engine can no longer skip ahead on a first character), so each
 * text is scanned only with the detectors whose cheap `mayMatch` holds; a text for which none holds —
 * most log messages — is returned without running any regex pass at all.
 */
export function combinedPass(detectors: readonly Detector[]): Pass {
  if (detectors.length > 30) throw new RangeError("at most 30 detectors (subset keys are bit masks)");
  const passes = new Map<number, Pass>();
  return (text) => {
    let key = 0;
    for (let i = 0; i < detectors.length; i++) if (detectors[i]?.mayMatch(text)) key |= 1 << i;
    if (key === 0) return text;
    let pass = passes.get(key);
    if (pass === undefined) {
      if (passes.size >= MAX_CACHED_PASSES) passes.clear();
      pass = buildPass(detectors.filter((_, i) => (key & (1 << i)) !== 0));
      passes.set(key, pass);
    }
    return pass(text);
  };
}
