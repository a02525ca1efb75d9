import type { Detector } from "./detector.ts";
import { luhnValid } from "./luhn.ts";
import { mask } from "./mask.ts";

// Issuer prefixes of the major networks (Visa, Mastercard incl. 2-series, Amex/Diners/JCB, Discover/
// UnionPay/Maestro). Epoch-millisecond timestamps and snowflake ids start with 1, so they never qualify
// even when they happen to pass Luhn (one in ten does).
const ISSUER = /^(?:4|5|2[2-7]|3|6)/;

// Same start as the detector, at least 13 digits, without the 19-digit backtracking.
const CARD_LIKE = /(?<![\w-])\d(?:[ -]?\d){12}/;

/** 13–19 digits, optionally grouped by spaces or dashes, masked only when Luhn-valid. */
export const cardNumberDetector: Detector = {
  kind: "card-number",
  mayMatch: (t) => CARD_LIKE.test(t),
  source: /(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])/.source,
  mask(match) {
    const digits = match.replace(/[ -]/g, "");
    if (digits.length < 13 || digits.length > 19) return undefined;
    if (!ISSUER.test(digits) || !luhnValid(digits)) return undefined;
    return mask("card-number");
  },
};
