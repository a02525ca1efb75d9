/** What delivery reports; the API layer backs it with Prometheus metrics. */
export interface DeliveryMetrics {
  outcome(platform: string, outcome: "delivered" | "retry" | "dead"): void;
  /** Time from the causing signal's arrival to the platform's acknowledgement. */
  latency(platform: string, ms: number): void;
}

export const noDeliveryMetrics: DeliveryMetrics = { outcome: () => {}, latency: () => {} };
