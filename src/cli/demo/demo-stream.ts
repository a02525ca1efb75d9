import { seededRandom } from "../../core/seeded-random.ts";

// A realistic half hour of production, for the demo and `sluice replay examples/demo-stream.jsonl`:
// several services, a deploy that causes an error spike, a database pool exhaustion with its upstream
// timeouts, background noise under the score threshold, redelivered duplicates, and an alert that
// fires and resolves. Deterministic: the same start time gives the same stream.

type Item = Record<string, unknown>;

const hex = (next: () => number, length: number) => Array.from({ length }, () => Math.floor(next() * 16).toString(16)).join("");

export function demoStream(start: number): Item[] {
  const next = seededRandom(42);
  const items: { at: number; item: Item }[] = [];
  let sequence = 0;
  const event = (at: number, fields: Item): Item => ({
    event_id: `evt-${(++sequence).toString().padStart(5, "0")}`,
    "@timestamp": new Date(at).toISOString(),
    tenant_id: "acme",
    environment: "production",
    ...fields,
  });
  const push = (at: number, item: Item) => items.push({ at, item });

  // Background noise: low scores on every service, all below the 0.85 bar.
  const services = ["checkout", "payments", "inventory", "search", "auth", "orders"];
  for (let i = 0; i < 240; i++) {
    const at = start + Math.floor(next() * 30 * 60_000);
    const service = services[Math.floor(next() * services.length)] as string;
    push(
      at,
      event(at, {
        anomaly_type: "latency",
        anomaly_score: Number((0.3 + next() * 0.5).toFixed(3)),
        service,
        message: `p95 latency ${Math.floor(120 + next() * 200)}ms on GET /api/${service}/items/${Math.floor(next() * 9999)}`,
      }),
    );
  }

  // 10:05 a deploy of payments 2.3.1 starts throwing on every card payment.
  const deployAt = start + 5 * 60_000;
  for (let i = 0; i < 120; i++) {
    const at = deployAt + i * 5_000 + Math.floor(next() * 4_000);
    push(
      at,
      event(at, {
        anomaly_type: "error_rate",
        anomaly_score: Number((0.9 + next() * 0.09).toFixed(3)),
        severity: "critical",
        service: "payments",
        error_category: "application",
        error_message: `NullPointerException in CardAuthorizer.authorize (version 2.3.1) for payment ${hex(next, 12)}`,
        message: "error rate above baseline after deploy",
        trace_id: hex(next, 32),
        affected_services: ["checkout"],
      }),
    );
  }

  // 10:12 the orders database pool runs dry; checkout calls to orders time out.
  const poolAt = start + 12 * 60_000;
  for (let i = 0; i < 90; i++) {
    const at = poolAt + i * 6_000 + Math.floor(next() * 5_000);
    push(
      at,
      event(at, {
        anomaly_type: "error_rate",
        anomaly_score: Number((0.88 + next() * 0.1).toFixed(3)),
        severity: "high",
        service: "orders",
        error_category: "database",
        error_message: `connection pool exhausted: timeout acquiring connection after ${Math.floor(5000 + next() * 3000)}ms (pool size 20, waiting ${Math.floor(30 + next() * 90)})`,
        trace_id: hex(next, 32),
      }),
    );
    if (i % 2 === 0) {
      push(
        at + 300,
        event(at + 300, {
          anomaly_type: "latency",
          anomaly_score: Number((0.86 + next() * 0.1).toFixed(3)),
          severity: "medium",
          service: "checkout",
          error_message: `upstream orders timed out after ${Math.floor(2000 + next() * 1000)}ms for request ${hex(next, 16)}`,
          trace_id: hex(next, 32),
        }),
      );
    }
  }

  // The scorer redelivers some events (same event_id): Sluice must count them once.
  const originals = items.filter(({ item }) => Number(item.anomaly_score) >= 0.85).slice(0, 25);
  for (const original of originals) push(original.at + 1_000, { ...original.item });

  // Disk fills on search-1 and is cleaned up: an Alertmanager alert that fires and resolves.
  const diskAt = start + 8 * 60_000;
  const alert = (status: "firing" | "resolved", at: number) => ({
    version: "4",
    groupKey: '{}:{alertname="DiskAlmostFull"}',
    status,
    receiver: "sluice",
    groupLabels: { alertname: "DiskAlmostFull" },
    commonLabels: { alertname: "DiskAlmostFull", severity: "warning", service: "search", env: "production" },
    commonAnnotations: { summary: "Disk on search-1 is 92% full" },
    externalURL: "http://alertmanager:9093",
    alerts: [
      {
        status,
        labels: { alertname: "DiskAlmostFull", severity: "warning", service: "search", instance: "search-1", env: "production" },
        annotations: { summary: "Disk on search-1 is 92% full", runbook_url: "https://runbooks.example.com/disk-full" },
        startsAt: new Date(diskAt).toISOString(),
        endsAt: status === "resolved" ? new Date(at).toISOString() : "0001-01-01T00:00:00Z",
        generatorURL: "http://prometheus:9090/graph?g0.expr=disk_used_ratio",
        fingerprint: "c0ffee5eed1e5a11",
      },
    ],
  });
  push(diskAt, alert("firing", diskAt));
  push(diskAt + 5 * 60_000, alert("firing", diskAt)); // Alertmanager's repeat: a duplicate
  push(diskAt + 14 * 60_000, alert("resolved", diskAt + 14 * 60_000));

  return items.sort((a, b) => a.at - b.at).map(({ item }) => item);
}
