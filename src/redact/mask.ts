/** The text that replaces a secret: it names the kind so a responder sees what was there. */
export function mask(kind: string): string {
  return `[REDACTED:${kind}]`;
}
