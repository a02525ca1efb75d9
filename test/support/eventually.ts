/**
 * Polls `probe` until it returns a value (not undefined) and returns it; past the deadline it fails with
 * what it waited for, the probe's last error, and whatever `explain` adds (a peer's output, say).
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  options: { timeoutMs?: number; intervalMs?: number; explain?: () => string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const cause = last ? ` (last error: ${(last as Error).message})` : "";
      throw new Error(`timed out waiting for ${what}${cause}${options.explain ? `\n${options.explain()}` : ""}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 200));
  }
}
