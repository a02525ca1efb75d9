import { statSync } from "node:fs";
import type { DestinationCatalog } from "../connectors/catalog-destinations.ts";
import { type FieldProblem, SluiceError } from "../core/errors.ts";
import { type CatalogEntry, entryForSignal, type OwnerFacts, type ServiceCatalog } from "./catalog.ts";
import { type CatalogLoad, type CatalogSettings, catalogFiles, loadCatalog } from "./load-catalog.ts";

/** The log lines a catalog source writes (a pino logger fits). */
export interface CatalogLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

export interface CatalogSourceOptions {
  settings: CatalogSettings;
  /** How often to look at the files' modification times; 0 turns reloading off. */
  reloadIntervalMs: number;
  logger: CatalogLogger;
  env?: NodeJS.ProcessEnv;
  baseDir?: string;
  /** The platforms whose destinations entries may pick (default: every registered connector). */
  destinations?: DestinationCatalog;
}

/**
 * The current service catalog, reloaded when its files change. A broken edit keeps the last good
 * catalog and logs the problems (paths and messages only: a value may be a routing key).
 */
export class CatalogSource {
  private current: ServiceCatalog;
  private fingerprint: string;
  private timer: NodeJS.Timeout | null = null;
  private lastProblems: FieldProblem[] = [];

  /** Loads the catalog once; throws CONFIG_INVALID listing every problem, as a bad config does. */
  constructor(private readonly options: CatalogSourceOptions) {
    const loaded = this.load();
    if (loaded.problems.length > 0) {
      throw new SluiceError("CONFIG_INVALID", `${loaded.problems.length} problem(s) in the service catalog`, {
        problems: loaded.problems,
      });
    }
    this.current = loaded.catalog;
    this.fingerprint = fingerprintOf(loaded.files);
  }

  get catalog(): ServiceCatalog {
    return this.current;
  }

  /** Problems of the last reload that was refused (empty when the files are fine). */
  get problems(): readonly FieldProblem[] {
    return this.lastProblems;
  }

  lookup(service: string): CatalogEntry | undefined {
    return this.current.lookup(service);
  }

  /** The owner facts routing matches on, or undefined for a service the catalog does not know. */
  ownerOf(service: string): OwnerFacts | undefined {
    return this.ownerOfSignal({ service, labels: {} });
  }

  /** The owner facts of a signal (see entryForSignal): its service's owner, or its failed caller's. */
  ownerOfSignal(signal: { service: string; labels: Record<string, string> }): OwnerFacts | undefined {
    const entry = entryForSignal(this.current, signal);
    return entry ? { team: entry.team, tier: entry.tier } : undefined;
  }

  dependenciesOf(service: string): string[] {
    return this.current.dependenciesOf(service);
  }

  start(): void {
    if (this.timer || this.options.reloadIntervalMs <= 0) return;
    this.timer = setInterval(() => this.reloadIfChanged(), this.options.reloadIntervalMs);
    this.timer.unref();
  }

  /** Nothing is buffered; reloads are synchronous. */
  async flush(): Promise<void> {}

  async shutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Reloads when a file changed size or modification time, appeared or vanished; true when the new catalog was taken. */
  reloadIfChanged(): boolean {
    const fingerprint = fingerprintOf(catalogFiles(this.options.settings, this.options.baseDir));
    if (fingerprint === this.fingerprint) return false;
    return this.reload();
  }

  /** Loads now, whatever the files' times say; true when the new catalog was taken. */
  reload(): boolean {
    const loaded = this.load();
    // Remember what was seen even when it is refused, so one broken edit is logged once, not every tick.
    this.fingerprint = fingerprintOf(loaded.files);
    if (loaded.problems.length > 0) {
      this.lastProblems = loaded.problems;
      this.options.logger.warn(
        { problems: loaded.problems.map((p) => `${p.path}: ${p.message}`), kept: this.current.size },
        "service catalog changed but has problems; keeping the last good catalog",
      );
      return false;
    }
    this.lastProblems = [];
    this.current = loaded.catalog;
    this.options.logger.info({ services: loaded.catalog.size }, "service catalog reloaded");
    return true;
  }

  private load(): CatalogLoad {
    return loadCatalog(this.options.settings, this.options.env, this.options.baseDir, this.options.destinations);
  }
}

function fingerprintOf(files: readonly string[]): string {
  return files
    .map((file) => {
      try {
        const stat = statSync(file);
        return `${file}:${stat.size}:${stat.mtimeMs}`;
      } catch {
        return `${file}:missing`;
      }
    })
    .join("|");
}
