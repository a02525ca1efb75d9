import { z } from "zod";
import { durationField } from "./duration-field.ts";

export const INGEST_DEFAULTS = {
  acknowledge: "applied" as const,
  maxLogSignals: 500_000,
  maxLogAge: 120_000,
  retryAfter: 5_000,
  batchEntries: 500,
  leaseTime: 60_000,
  maxAttempts: 10,
  pollInterval: 1_000,
  pipelineSlice: 5,
  pipelineSliceBehind: 50,
  pipelineMinShare: 0.1,
  paused: false,
};

/** The `ingest` block: the durable ingest log every intake appends to and the pipeline consumes (issue 18). */
export const ingestConfigSchema = z
  .strictObject({
    acknowledge: z
      .enum(["applied", "logged"])
      .default(INGEST_DEFAULTS.acknowledge)
      .describe(
        "When a 202 is sent. Both mean durably stored. applied: the pipeline runs on the request and commits the signals with their effects, and `results` says what each did (opened, deduplicated, ...); what it cannot apply then goes to the ingest log, to be retried or dead-lettered, with outcome `queued`. logged: as soon as the log append is on disk, with outcome `queued`, the pipeline applying it behind (the fast acknowledgement for alert storms; read incidents later).",
      ),
    maxLogSignals: z
      .number()
      .int()
      .positive()
      .default(INGEST_DEFAULTS.maxLogSignals)
      .describe(
        "Signals waiting in the log beyond which ingest answers 503 with Retry-After (backpressure before the disk fills).",
      ),
    maxLogAge: durationField(
      "Age of the oldest signal not yet applied beyond which ingest answers 503 with Retry-After (the pipeline's lag bound; default 2m).",
    )
      .refine((ms) => ms >= 1000, "must be at least 1s")
      .default(INGEST_DEFAULTS.maxLogAge),
    retryAfter: durationField("Retry-After sent with those 503s (default 5s).")
      .refine((ms) => ms >= 1000, "must be at least 1s")
      .default(INGEST_DEFAULTS.retryAfter),
    batchEntries: z
      .number()
      .int()
      .positive()
      .default(INGEST_DEFAULTS.batchEntries)
      .describe("Log entries (requests) the pipeline claims at a time; their signals are committed in batches of up to 2,000."),
    leaseTime: durationField(
      "How long a claimed entry is left to its replica; a replica that died holding it leaves it to another after this (default 60s).",
    )
      .refine((ms) => ms >= 1000, "must be at least 1s")
      .default(INGEST_DEFAULTS.leaseTime),
    maxAttempts: z
      .number()
      .int()
      .min(1)
      .default(INGEST_DEFAULTS.maxAttempts)
      .describe(
        "Attempts at a signal failing for a passing reason (the store unreachable, its incidents contended) before it is dead-lettered; one failing for its content is dead-lettered at once.",
      ),
    pollInterval: durationField(
      "How often the pipeline looks for entries other replicas appended (its own wake it at once) and the backlog is read (default 1s).",
    )
      .refine((ms) => ms >= 10, "must be at least 10ms")
      .default(INGEST_DEFAULTS.pollInterval),
    pipelineSlice: durationField(
      "acknowledge: logged: how long one batch of the pipeline may hold the event loop while requests arrive (each batch is sized to it from the measured time per signal), so an acknowledgement waits about this long behind the pipeline. Smaller answers sooner; larger costs less CPU per signal (a batch has a fixed cost: its reads, its commit, the pages it dirties). 0: batches of up to 2,000 signals whatever they take (default 5ms).",
    ).default(INGEST_DEFAULTS.pipelineSlice),
    pipelineSliceBehind: durationField(
      "acknowledge: logged: the longest slice, as the log nears the bounds where ingest answers 503 (maxLogSignals, maxLogAge). The slice grows from pipelineSlice to this with that pressure (the larger of depth / maxLogSignals and lag / maxLogAge): while the log has room, acknowledgements wait behind one short batch at most; near the bounds, long batches apply about three times as many signals per second (measured, BENCHMARKS.md), and acknowledgements wait up to this long. 0 or less than pipelineSlice: pipelineSlice always (default 50ms).",
    ).default(INGEST_DEFAULTS.pipelineSliceBehind),
    pipelineMinShare: z
      .number()
      .gt(0)
      .max(1)
      .default(INGEST_DEFAULTS.pipelineMinShare)
      .describe(
        "acknowledge: logged: acknowledgements first. While requests keep the process more than 90% busy, the pipeline takes only the share of the event loop they leave (pausing after each batch), never less than this, so an incident storm is absorbed by the log and its senders are answered within milliseconds; the share rises with the log's pressure (as for pipelineSliceBehind) to all of it at the bounds, so a sustained overload slows acknowledgements before ingest refuses them. 1: the pipeline never pauses for requests (default 0.1).",
      ),
    paused: z
      .boolean()
      .default(INGEST_DEFAULTS.paused)
      .describe(
        "Store and acknowledge signals but do not run the pipeline (maintenance): they wait in the log until a process without it starts. Requires acknowledge: logged.",
      ),
  })
  .refine((ingest) => !(ingest.paused && ingest.acknowledge === "applied"), {
    message: "paused needs acknowledge: logged (an applied acknowledgement would wait forever)",
    path: ["paused"],
  })
  .default(INGEST_DEFAULTS)
  .describe(
    "The durable ingest log: every intake (HTTP, Kafka, OTLP logs) appends redacted signals to it in group commits and acknowledges; the pipeline applies them in batches behind it and deletes each entry in the transaction that writes its effects, so a crash replays exactly what was not applied.",
  );

export type IngestConfig = z.infer<typeof ingestConfigSchema>;
