import type { BucketConfig, ThrottleConfig } from "../../config/throttle-config.ts";
import type { Clock } from "../../core/clock.ts";
import { SluiceError } from "../../core/errors.ts";
import { ownValue } from "../../core/own.ts";

/** Where refusals are counted: by intake (api, alertmanager, grafana, otlp), token name, tenant and which limit. */
export interface ThrottleMetrics {
  throttled(labels: { source: string; token: string; tenant: string; limit: "token" | "tenant" }, signals: number): void;
}

/** The principal name of requests without a token (auth off): they share one bucket. */
export const ANONYMOUS = "anonymous";

/** Beyond this many distinct tenants seen throttled, the rest are counted as "other", so a sender cannot blow up /metrics. */
const TENANT_LABELS = 100;

/** Above this many buckets, full ones (equal to a fresh bucket) are forgotten. */
const PRUNE_ABOVE = 1000;

class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    readonly config: BucketConfig,
    now: number,
  ) {
    this.tokens = config.burst;
    this.at = now;
  }

  level(now: number): number {
    if (now > this.at) {
      this.tokens = Math.min(this.config.burst, this.tokens + ((now - this.at) / 1000) * this.config.rate);
      this.at = now;
    }
    return this.tokens;
  }

  /** Seconds until `count` tokens are there (0 when they are). */
  waitFor(count: number, now: number): number {
    const missing = count - this.level(now);
    return missing <= 0 ? 0 : missing / this.config.rate;
  }

  take(count: number): void {
    this.tokens -= count;
  }

  give(count: number): void {
    this.tokens = Math.min(this.config.burst, this.tokens + count);
  }
}

/** What an admitted request took; given back when the request is not stored after all (e.g. a 503). */
export interface Admission {
  refund(): void;
}

const NOTHING: Admission = { refund: () => {} };

/**
 * Token-bucket ingest limits per ingest token and per tenant. A request is admitted whole or refused
 * whole before anything of it is stored, so a 202 still means every signal is kept and a 429 means none
 * is. Each token's and tenant's bucket is its own: a flooding producer empties only its buckets.
 */
export class IngestLimiter {
  readonly enabled: boolean;
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly tenantLabels = new Set<string>();

  constructor(
    private readonly config: ThrottleConfig,
    private readonly clock: Clock,
    private readonly metrics: ThrottleMetrics,
  ) {
    this.enabled =
      config.perToken !== undefined ||
      config.perTenant !== undefined ||
      Object.keys(config.tokens).length > 0 ||
      Object.keys(config.tenants).length > 0;
  }

  /** Admits `signals` sent with `token` through `source`, or throws RATE_LIMITED (429, Retry-After) / PAYLOAD_TOO_LARGE. */
  admit(source: string, token: string | null, signals: readonly { tenant: string }[]): Admission {
    if (!this.enabled || signals.length === 0) return NOTHING;
    const now = this.clock.now();
    const name = token ?? ANONYMOUS;
    const byTenant = new Map<string, number>();
    for (const signal of signals) byTenant.set(signal.tenant, (byTenant.get(signal.tenant) ?? 0) + 1);

    const wanted: { bucket: TokenBucket; count: number; limit: "token" | "tenant"; what: string }[] = [];
    const tokenLimit = ownValue(this.config.tokens, name) ?? this.config.perToken;
    if (tokenLimit) {
      wanted.push({
        bucket: this.bucket(`token:${name}`, tokenLimit, now),
        count: signals.length,
        limit: "token",
        what: `token ${name}`,
      });
    }
    for (const [tenant, count] of byTenant) {
      // A tenant is whatever the sender wrote ("constructor" too): only the configured ones have their own limit.
      const tenantLimit = ownValue(this.config.tenants, tenant) ?? this.config.perTenant;
      if (tenantLimit) {
        wanted.push({
          bucket: this.bucket(`tenant:${tenant}`, tenantLimit, now),
          count,
          limit: "tenant",
          what: `tenant ${tenant}`,
        });
      }
    }

    const tooBig = wanted.find((w) => w.count > w.bucket.config.burst);
    if (tooBig) {
      throw new SluiceError(
        "PAYLOAD_TOO_LARGE",
        `${tooBig.count} signals of ${tooBig.what} in one request, more than its throttle burst of ${tooBig.bucket.config.burst}; send smaller batches`,
      );
    }
    const waits = wanted.map((w) => ({ ...w, wait: w.bucket.waitFor(w.count, now) })).filter((w) => w.wait > 0);
    if (waits.length > 0) {
      this.count(source, name, byTenant, waits);
      const longest = waits.reduce((a, b) => (b.wait > a.wait ? b : a));
      const seconds = Math.max(1, Math.ceil(longest.wait));
      throw new SluiceError(
        "RATE_LIMITED",
        `${longest.what} is over its ingest limit (${longest.bucket.config.rate} signals/s, burst ${longest.bucket.config.burst}); nothing was stored, retry in ${seconds}s`,
        { retryAfterSeconds: seconds },
      );
    }
    for (const w of wanted) w.bucket.take(w.count);
    this.prune(now);
    let refunded = false;
    return {
      refund: () => {
        if (refunded) return;
        refunded = true;
        for (const w of wanted) w.bucket.give(w.count);
      },
    };
  }

  private bucket(key: string, config: BucketConfig, now: number): TokenBucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(config, now);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  private count(
    source: string,
    token: string,
    byTenant: ReadonlyMap<string, number>,
    refused: readonly { limit: "token" | "tenant" }[],
  ): void {
    // The whole request is refused; its signals count once per tenant, under the limit that refused them
    // (the token's when it refused, else the tenant's).
    const limit = refused.some((r) => r.limit === "token") ? "token" : "tenant";
    for (const [tenant, count] of byTenant) {
      if (!this.tenantLabels.has(tenant) && this.tenantLabels.size < TENANT_LABELS) this.tenantLabels.add(tenant);
      const label = this.tenantLabels.has(tenant) ? tenant : "other";
      this.metrics.throttled({ source, token, tenant: label, limit }, count);
    }
  }

  private prune(now: number): void {
    if (this.buckets.size <= PRUNE_ABOVE) return;
    for (const [key, bucket] of this.buckets) {
      if (bucket.level(now) >= bucket.config.burst) this.buckets.delete(key);
    }
  }
}
