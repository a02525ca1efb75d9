import { Command, CommanderError, Option } from "commander";
import { DETECTOR_KINDS } from "../detect/detection.ts";

// Each command imports its module when it runs: a command then starts without loading every other one (serve alone
// pulls in the HTTP server, both stores and the Kafka client).

/** The `sluice` command line; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const setExit = (code: number) => {
    exitCode = code;
  };
  const program = new Command("sluice")
    .description("Signals in, deduplicated and routed incident tickets out.")
    .exitOverride()
    .showHelpAfterError();

  program
    .command("serve")
    .description("run the HTTP API, the pipeline and the delivery workers")
    .option("-c, --config <file>", "config file (YAML or JSON); default $SLUICE_CONFIG or built-in defaults")
    .action(async (options: { config?: string }) => {
      const { serveCommand } = await import("./serve.ts");
      setExit(await serveCommand(options.config ?? process.env.SLUICE_CONFIG));
    });

  program
    .command("check-config")
    .description("validate a config file and list every problem with its path")
    .argument("[file]", "config file; default $SLUICE_CONFIG")
    .action(async (file?: string) => {
      const { checkConfigCommand } = await import("./check-config.ts");
      setExit(await checkConfigCommand(file ?? process.env.SLUICE_CONFIG));
    });

  program
    .command("catalog")
    .description("load the configured service catalog (Sluice YAML, Backstage); print its services and every problem")
    .option("-c, --config <file>", "config file")
    .option("-s, --service <name>", "show one service (name or alias)")
    .option("--json", "print {entries, problems}; routing keys are never shown")
    .action(async (options: { config?: string; service?: string; json?: boolean }) => {
      const { catalogCommand } = await import("./catalog.ts");
      setExit(await catalogCommand({ ...options, config: options.config ?? process.env.SLUICE_CONFIG }));
    });

  program
    .command("replay")
    .description("run recorded signals (JSON lines) through the pipeline without calling platforms; print the funnel")
    .argument("<file>", "JSON lines: anomaly events, generic signals or alert webhook payloads")
    .option("-c, --config <file>", "config file")
    .option("--dry-run", "keep nothing: use a throwaway database")
    .option("--json", "print one JSON object instead of the table")
    .action(async (file: string, options: { config?: string; dryRun?: boolean; json?: boolean }) => {
      const { replayCommand } = await import("./replay.ts");
      setExit(await replayCommand(file, { ...options, config: options.config ?? process.env.SLUICE_CONFIG }));
    });

  program
    .command("patterns")
    .description("mine log lines into error patterns; print every line's pattern id and final template")
    .argument("[file]", "log file; - or none reads stdin")
    .addOption(new Option("--format <format>", "output format").choices(["ndjson", "csv"]).default("ndjson"))
    .option("--no-strip-header", "mine whole lines (default: drop timestamp, level, thread and logger first)")
    .action(async (file: string | undefined, options: { format: "ndjson" | "csv"; stripHeader: boolean }) => {
      const { patternsCommand } = await import("./patterns.ts");
      setExit(await patternsCommand(file, options));
    });

  program
    .command("rca")
    .description("rank root-cause candidates for every issue of a PetShop-format directory (never reads root_cause)")
    .argument("<dir>", "directory with graph.csv, noissue/metrics.csv and test|train/issue_N/{metrics.csv,target.json}")
    .option("--json", 'print one line per issue: {"issue","ranking","abstained","confidence"}')
    .action(async (dir: string, options: { json?: boolean }) => {
      const { rcaCommand } = await import("./rca.ts");
      setExit(await rcaCommand(dir, options));
    });

  program
    .command("detect")
    .description("run an anomaly detector over a timestamp,value CSV (NAB's format); print timestamp,value,anomaly_score")
    .argument("<file>", "CSV with timestamp and value columns (slo-burn-rate: timestamp, good, total); - reads stdin")
    .addOption(new Option("--detector <name>", "detector").choices([...DETECTOR_KINDS]).default("contextual"))
    .option("--params <json>", "the detector's parameters as JSON, e.g. '{\"above\": 90}' (docs/detection.md)")
    .option("--explain", "add firing and reason columns")
    .action(async (file: string, options: { detector: string; params?: string; explain?: boolean }) => {
      const { detectCommand } = await import("./detect.ts");
      setExit(await detectCommand(file, options));
    });

  program
    .command("investigate")
    .description("ask the running Sluice to investigate an incident and print its report (token in $SLUICE_TOKEN)")
    .argument("<incident>", "incident key (INC-n) or id")
    .option("--url <url>", "base URL of the running Sluice (default $SLUICE_URL, else http://127.0.0.1:8080)")
    .option("--wait <seconds>", "how long to wait for the report", "120")
    .option("--json", "print the report as JSON")
    .action(async (incident: string, options: { url?: string; wait: string; json?: boolean }) => {
      const seconds = Number(options.wait);
      if (!Number.isFinite(seconds) || seconds <= 0) {
        process.stderr.write(`sluice investigate: --wait: "${options.wait}" is not a positive number of seconds\n`);
        setExit(2);
        return;
      }
      const { investigateCommand } = await import("./investigate.ts");
      setExit(await investigateCommand(incident, { ...options, wait: seconds * 1000 }));
    });

  const deadLetters = program
    .command("dead-letters")
    .description(
      "see, retry and discard the ingest log's dead letters through the running Sluice (token in $SLUICE_TOKEN: viewer to read, admin to act)",
    );
  const url = ["--url <url>", "base URL of the running Sluice (default $SLUICE_URL, else http://127.0.0.1:8080)"] as const;
  const filters = (command: Command) =>
    command
      .option("--source <source>", "the intake it came from (api, alertmanager, grafana, kafka, otlp-logs)")
      .option("--since <time>", "last failure at or after (ISO 8601, e.g. 2026-12-01T00:00:00Z)")
      .option("--until <time>", "last failure at or before (ISO 8601)")
      .option("--reason <text>", "a case-insensitive part of the reason")
      .option(...url)
      .option("--json", "print the API's JSON");
  filters(deadLetters.command("list").description("list dead letters, newest first (waiting ones unless --state)"))
    .option("--state <states>", "comma-separated: dead (waiting), retried, discarded")
    .option("--limit <n>", "at most this many (1-500; default 50)")
    .option("--cursor <cursor>", "the next page, as the previous one printed")
    .action(async (options: Record<string, string | boolean | undefined>) => {
      const { deadLettersCommand } = await import("./dead-letters.ts");
      setExit(await deadLettersCommand("list", undefined, options, { url: options.url as string, json: options.json === true }));
    });
  deadLetters
    .command("show")
    .description("one dead letter: its redacted signals, reason, first and last failure, attempts, its retry's outcome")
    .argument("<id>", "the dead letter's id")
    .option(...url)
    .option("--json", "print the API's JSON")
    .action(async (id: string, options: { url?: string; json?: boolean }) => {
      const { deadLettersCommand } = await import("./dead-letters.ts");
      setExit(await deadLettersCommand("show", id, {}, options));
    });
  for (const verb of ["retry", "discard"] as const) {
    filters(
      deadLetters
        .command(verb)
        .description(
          verb === "retry"
            ? "append dead letters to the ingest log again (after a fix); one failing again is dead-lettered again"
            : "drop dead letters for good (recorded with who and when)",
        )
        .argument("[id]", "one dead letter; without it, those the filters (or --all) match"),
    )
      .option("--all", "every waiting dead letter")
      .option("--limit <n>", "at most this many (default 1000)")
      .action(async (id: string | undefined, options: Record<string, string | boolean | undefined>) => {
        const { deadLettersCommand } = await import("./dead-letters.ts");
        setExit(await deadLettersCommand(verb, id, options, { url: options.url as string, json: options.json === true }));
      });
  }

  program
    .command("test-connection")
    .description("check a platform's credentials and reachability without creating a ticket or paging anyone")
    .argument("<platform>", "platform name, e.g. slack")
    .option("-c, --config <file>", "config file")
    .option("--json", "print {ok, platform, latencyMs, detail}")
    .action(async (platform: string, options: { config?: string; json?: boolean }) => {
      const { testConnectionCommand } = await import("./test-connection.ts");
      setExit(await testConnectionCommand(platform, { ...options, config: options.config ?? process.env.SLUICE_CONFIG }));
    });

  program
    .command("test-llm")
    .description("check the configured LLM (URL, key, model) with a tiny call")
    .option("-c, --config <file>", "config file")
    .option("--json", "print {ok, latencyMs, detail}")
    .action(async (options: { config?: string; json?: boolean }) => {
      const { testLlmCommand } = await import("./test-llm.ts");
      setExit(await testLlmCommand({ ...options, config: options.config ?? process.env.SLUICE_CONFIG }));
    });

  program
    .command("demo")
    .description("start Sluice on embedded defaults, replay a bundled realistic stream, and show the result")
    .option("-p, --port <port>", "port for the demo server", "8080")
    .option("--exit", "stop after printing instead of serving on")
    .action(async (options: { port: string; exit?: boolean }) => {
      const { demoCommand } = await import("./demo.ts");
      setExit(await demoCommand(Number(options.port), options.exit ?? false));
    });

  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    throw error;
  }
  return exitCode;
}
