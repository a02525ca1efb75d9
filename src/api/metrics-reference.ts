import type { Registry } from "prom-client";

const HEADER = `# Metrics reference

Every metric Sluice exports at \`GET /metrics\` (Prometheus text format), generated from the code by
\`npm run metrics-reference\`; the test suite fails when this page and the code disagree. Kafka metrics
appear only with \`kafka.enabled\`; traces and logs metrics only with \`traces.enabled\` and
\`otlpLogs.enabled\` (both on by default). Node.js process metrics (\`process_*\`, \`nodejs_*\`) are exported
too and are not listed.

| Metric | Type | Labels | Meaning |
| --- | --- | --- | --- |
`;

/** docs/metrics.md: one row per Sluice metric in `registry`, sorted by name. */
export function renderMetricsReference(registry: Registry): string {
  const rows = registry
    .getMetricsAsArray()
    .filter((metric) => metric.name.startsWith("sluice_"))
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((metric) => {
      // prom-client keeps each metric's label names on the object; its types do not declare them.
      const labels = ((metric as unknown as { labelNames?: readonly string[] }).labelNames ?? []).map((l) => `\`${l}\``);
      return `| \`${metric.name}\` | ${metric.type} | ${labels.join(", ") || "—"} | ${metric.help.replaceAll("|", "\\|")} |`;
    });
  return `${HEADER}${rows.join("\n")}\n`;
}
