import type { Logger } from "pino";
import type { Change, ChangeKind } from "../../core/change.ts";
import type { Clock } from "../../core/clock.ts";
import { type Matcher, matches } from "../../core/matcher.ts";
import type { ChangeRepository } from "../../core/ports/change-repository.ts";
import type { Signal } from "../../core/signal.ts";

/** The `changes.suppressAfterDeploy` block, parsed. */
export interface DeploySuppressionConfig {
  /** Firing signals this soon after a deploy of their service are suppressed. */
  window: number;
  /** Only signals matching this are suppressed. */
  match: Matcher;
  /** Which change kinds open a window (default deploy). */
  kinds: readonly ChangeKind[];
  /** How often each replica reloads recent deploys from the store (other replicas' deploys arrive this late). */
  refreshInterval: number;
}

export interface RecentDeploysOptions {
  changes: Pick<ChangeRepository, "find">;
  clock: Clock;
  logger: Logger;
  config: DeploySuppressionConfig;
  /** How far back deploys are kept, so late signals (Kafka lag, backlogs) are judged like live ones (default 24 h). */
  retentionMs?: number;
}

type Deploy = Pick<Change, "id" | "at" | "kind" | "version" | "summary" | "service">;

const DAY = 86_400_000;
// More deploys than this in the retention window means something sends far too many; keep the newest.
const MAX_LOADED = 100_000;

function keyOf(tenant: string, environment: string, service: string): string {
  return `${tenant}\u0000${environment}\u0000${service}`;
}

/**
 * Deploy-aware suppression: an in-process copy of recent deploys, so the gate (pure and synchronous,
 * run per signal) can ask "did this service just deploy?" without a query. It learns the deploys this
 * process stores at once, and reloads from the store every refreshInterval, so a deploy posted to one
 * replica suppresses on every replica within that interval. Windows are judged at the signal's own
 * time, so a late or replayed signal is treated as it would have been live.
 */
export class RecentDeploys {
  private readonly byService = new Map<string, Map<string, Deploy>>();
  private readonly retentionMs: number;
  private timer: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> | null = null;

  constructor(private readonly options: RecentDeploysOptions) {
    this.retentionMs = Math.max(options.retentionMs ?? DAY, options.config.window);
  }

  /** Reloads now and then every refreshInterval. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.refresh().catch((error) => this.options.logger.warn({ err: error }, "changes: reloading recent deploys failed"));
    }, this.options.config.refreshInterval);
    this.timer.unref();
  }

  async flush(): Promise<void> {
    await this.refresh();
  }

  shutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Reads the deploys of the retention window from the store (calls made while one runs share it). */
  refresh(): Promise<void> {
    this.refreshing ??= this.load().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /** Remembers changes this process just stored (those of other kinds are ignored). */
  add(changes: readonly Change[]): void {
    for (const change of changes) {
      if (!this.options.config.kinds.includes(change.kind)) continue;
      const key = keyOf(change.tenant, change.environment, change.service);
      const deploys = this.byService.get(key) ?? new Map<string, Deploy>();
      deploys.set(change.id, change);
      this.byService.set(key, deploys);
    }
    this.evict();
  }

  /** Deploys remembered, for tests and metrics. */
  get size(): number {
    let size = 0;
    for (const deploys of this.byService.values()) size += deploys.size;
    return size;
  }

  /** The gate's question: why this signal is suppressed, or null when no deploy window covers it. */
  suppressionFor(signal: Signal): string | null {
    const { window, match } = this.options.config;
    const deploys = this.byService.get(keyOf(signal.tenant, signal.environment, signal.service));
    if (!deploys || !matches(match, signal)) return null;
    let latest: Deploy | null = null;
    for (const deploy of deploys.values()) {
      if (deploy.at > signal.occurredAt || signal.occurredAt >= deploy.at + window) continue;
      if (!latest || deploy.at > latest.at) latest = deploy;
    }
    if (!latest) return null;
    const what = `${latest.kind}${latest.version ? ` ${latest.version}` : ""} of ${latest.service}`;
    const after = Math.max(0, Math.round((signal.occurredAt - latest.at) / 1000));
    return `${after}s after ${what} (change ${latest.id}, suppressAfterDeploy window ${Math.round(window / 1000)}s)`;
  }

  private async load(): Promise<void> {
    const now = this.options.clock.now();
    const found = await this.options.changes.find({
      kinds: this.options.config.kinds,
      from: now - this.retentionMs,
      to: Number.MAX_SAFE_INTEGER,
      limit: MAX_LOADED,
    });
    if (found.length === MAX_LOADED) {
      this.options.logger.warn(
        { loaded: found.length },
        "changes: too many recent deploys; only the newest are used for suppression",
      );
    }
    // Merge rather than replace: a change this process stored while the query ran may not be in its answer.
    this.add(found);
  }

  private evict(): void {
    const oldest = this.options.clock.now() - this.retentionMs;
    for (const [key, deploys] of this.byService) {
      for (const [id, deploy] of deploys) if (deploy.at < oldest) deploys.delete(id);
      if (deploys.size === 0) this.byService.delete(key);
    }
  }
}
