/** One built-in detector: an alternative of the combined pass plus how to mask what it matched. */
export interface Detector {
  /** The kind named in the mask when `mask` is absent. */
  readonly kind: string;
  /**
   * A cheap necessary condition (literal `includes` or a tiny regex): when false for a text, the
   * detector cannot match it and is left out of that text's pass. It must never be false on a match.
   */
  readonly mayMatch: (text: string) => boolean;
  /** Regex source without capturing groups (only `(?:…)`), so the combined pass can number alternatives. */
  readonly source: string;
  /**
   * The replacement for one match; `undefined` keeps the text (a validator said no). `inner` redacts a
   * fragment with all detectors, for matches that only partly hold a secret.
   */
  readonly mask?: (match: string, inner: (text: string) => string) => string | undefined;
}
