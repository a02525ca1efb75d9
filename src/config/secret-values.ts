/** Keys whose string values are credentials in Sluice's config (connectors, LLM, stores, sources). */
const SECRET_KEY =
  /(api[-_]?key|token|secret|password|passphrase|credential|routing[-_]?key|database[-_]?url|webhook[-_]?url|private[-_]?key)$/i;

/**
 * Every credential value in a validated config, for masking wherever text leaves Sluice (LLM prompts): values
 * of keys named like a credential, however deep. Shorter than 6 characters they are not masked (scrubSecrets).
 */
export function secretValues(config: unknown): string[] {
  const found = new Set<string>();
  const walk = (value: unknown, key: string) => {
    if (typeof value === "string") {
      if (SECRET_KEY.test(key) && value.length > 0) found.add(value);
    } else if (Array.isArray(value)) {
      for (const item of value) walk(item, key);
    } else if (value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) walk(v, k);
    }
  };
  walk(config, "");
  return [...found];
}
