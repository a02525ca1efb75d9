import pino from "pino";
import { remediationConfigSchema } from "../config/remediation-config.ts";
import type { HttpClient } from "../connectors/connector.ts";
import { ManualClock } from "../core/clock.ts";
import { EventBus } from "../core/events.ts";
import type { Incident } from "../core/incident.ts";
import { emptyChangeSet, type NewIncident, type Store } from "../core/ports/store.ts";
import { LifecycleService } from "../lifecycle/lifecycle-service.ts";
import { compilePlaybook, type Playbook } from "../remediate/playbook.ts";
import type { CheckResult, PromqlCheck } from "../remediate/prometheus-check.ts";
import { Remediator } from "../remediate/remediator.ts";
import { SqliteStore } from "../store/sqlite/sqlite-store.ts";
import { incident, signal, stored } from "./store-contract.ts";

/** One request an action or rollback sent (the fake target's log). */
export interface Execution {
  at: number;
  url: string;
  idempotencyKey: string;
  kind: "fix" | "rollback";
}

/** One answer the fake Prometheus gave. */
export interface Check {
  at: number;
  query: string;
  holds: boolean;
}

export interface HarnessOptions {
  /** Playbooks as written in config (`remediation.playbooks`). */
  playbooks: unknown[];
  paused?: boolean;
  pollInterval?: number;
  lease?: number;
  start?: number;
  /** Whether the fix (or rollback) call answers 2xx; "hang" never answers (a process killed mid-call). */
  answer?: (execution: Execution) => "ok" | "fail" | "hang";
  /** What Prometheus says about a query now; undefined means no data. */
  prometheus?: (query: string, at: number) => boolean | undefined;
  /** Secrets beside `admin` (`remediation.secrets`). */
  secrets?: Record<string, string>;
  /** `remediation.scripts.directory`. */
  scriptDirectory?: string;
  /** The HTTP client actions get instead of the logging fake target (a spec-validating mock). */
  http?: HttpClient;
  /** Replaces a compiled playbook's actions (an engine test watching what an action is handed). */
  adjust?: (playbook: Playbook) => Playbook;
}

/**
 * Remediation engines over one SQLite store with a manual clock, a fake target that logs every request it gets
 * (by idempotency key) and a scripted Prometheus that logs every answer: what the guardrail simulation and the
 * engine's tests drive.
 */
export class RemediationHarness {
  readonly clock: ManualClock;
  readonly events = new EventBus();
  readonly executions: Execution[] = [];
  readonly checks: Check[] = [];
  readonly lifecycle: LifecycleService;
  readonly counts: { playbook: string; outcome: string }[] = [];

  private constructor(
    readonly store: Store,
    private readonly options: HarnessOptions,
  ) {
    this.clock = new ManualClock(options.start ?? Date.parse("2026-11-02T10:00:00Z"));
    this.lifecycle = new LifecycleService(store, this.clock, this.events);
  }

  static async open(options: HarnessOptions): Promise<RemediationHarness> {
    return new RemediationHarness(await SqliteStore.open({ dataDir: ":memory:", synchronous: "normal" }), options);
  }

  readonly http: HttpClient = async (url, init) => {
    const headers = init.headers as Record<string, string>;
    const execution: Execution = {
      at: this.clock.now(),
      url,
      idempotencyKey: headers["idempotency-key"] ?? "",
      kind: url.includes("/rollback") ? "rollback" : "fix",
    };
    this.executions.push(execution);
    const answer = this.options.answer?.(execution) ?? "ok";
    if (answer === "hang") return new Promise<Response>(() => {});
    return new Response(null, { status: answer === "ok" ? 200 : 500 });
  };

  private readonly prometheus: PromqlCheck = async (query): Promise<CheckResult> => {
    const holds = this.options.prometheus?.(query, this.clock.now());
    this.checks.push({ at: this.clock.now(), query, holds: holds === true });
    return holds === undefined
      ? { holds: false, detail: "no data" }
      : { holds, detail: holds ? "1 series, values 1" : "1 series, values 0" };
  };

  /** A new engine (a replica, or the process after a restart) over the same store. */
  engine(): Remediator {
    const config = remediationConfigSchema.parse({
      prometheus: { url: "http://prometheus.invalid" },
      secrets: { admin: "s3cr3t", ...this.options.secrets },
      ...(this.options.scriptDirectory ? { scripts: { directory: this.options.scriptDirectory } } : {}),
      playbooks: this.options.playbooks,
    });
    const deps = {
      http: this.options.http ?? this.http,
      scriptDirectory: config.scripts?.directory,
      clock: () => new Date(this.clock.now()),
    };
    const adjust = this.options.adjust ?? ((playbook: Playbook) => playbook);
    return new Remediator({
      store: this.store,
      events: this.events,
      lifecycle: this.lifecycle,
      logger: pino({ level: "silent" }),
      now: () => this.clock.now(),
      playbooks: config.playbooks.map((p) => adjust(compilePlaybook(p, deps))),
      secrets: config.secrets,
      paused: this.options.paused ?? false,
      prometheus: this.prometheus,
      pollInterval: this.options.pollInterval ?? 5000,
      lease: this.options.lease ?? 30_000,
      count: (playbook, outcome) => this.counts.push({ playbook, outcome }),
    });
  }

  /** Opens an incident (with one signal carrying `labels`) as ingest would. */
  async open(fields: Partial<NewIncident> = {}, labels: Record<string, string> = {}): Promise<Incident> {
    const at = this.clock.now();
    const created = incident({ platforms: ["memory"], firstSeenAt: at, lastSeenAt: at, createdAt: at, updatedAt: at, ...fields });
    const changes = emptyChangeSet();
    changes.newIncidents.push(created);
    changes.signals.push(
      stored(signal({ service: created.service, environment: created.environment, labels, receivedAt: at }), created.id),
    );
    await this.store.apply(changes);
    return (await this.store.incidents.get(created.id)) as Incident;
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
