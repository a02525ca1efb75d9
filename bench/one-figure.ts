// One throughput figure per target, no latency or memory phases: for quick before/after pairs. Run:
//   node --import tsx bench/one-figure.ts [--targets sluice,alertmanager] [--mode single|batch] [--runs N] [--prof DIR]
// (BENCH_SLUICE_CONFIG applies, as for `npm run bench`; servers pinned as there.)
import { parseArgs } from "node:util";
import { ensureAlertmanager } from "./alertmanager.ts";
import { LOAD_CPU, pinSelf } from "./processes.ts";
import { measureThroughput, type Target } from "./throughput.ts";

const { values } = parseArgs({
  options: {
    targets: { type: "string", default: "sluice,alertmanager" },
    mode: { type: "string", default: "single" },
    seconds: { type: "string", default: "5" },
    prof: { type: "string" },
    runs: { type: "string", default: "1" },
  },
});
pinSelf(LOAD_CPU);
const targets = (values.targets as string).split(",") as Target[];
if (targets.includes("alertmanager")) ensureAlertmanager((line) => process.stderr.write(`${line}\n`));
for (let run = 1; run <= Number(values.runs); run++) {
  for (const target of targets) {
    const batch = values.mode === "batch" ? 100 : 1;
    const r = await measureThroughput(target, {
      batch,
      connections: batch === 1 ? 64 : 16,
      warmupSeconds: 2,
      seconds: Number(values.seconds),
      run,
      ...(values.prof && target === "sluice" ? { cpuProfDir: values.prof } : {}),
    });
    console.log(
      `${values.mode} ${target} run${run}: ${Math.round(r.itemsPerSecond)}/s cpu ${r.serverCpu.toFixed(2)} p50 ${r.latencyP50} p99 ${r.latencyP99} failed ${r.failed}${r.appliedPerSecond !== undefined ? ` applied ${Math.round(r.appliedPerSecond)}/s backlog ${r.backlogAtEnd}` : ""}`,
    );
  }
}
