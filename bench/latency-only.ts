// The latency figure alone (signal to delivery and ack, every signal a new incident), no throughput or
// memory phases: for quick before/after pairs. Run:
//   node --import tsx bench/latency-only.ts   (RATE=1000 new incidents/s, SECONDS=8 measured, RUNS=1)
// BENCH_SLUICE_CONFIG applies as for `npm run bench`; BENCH_CPU_PROF_DIR=dir writes the server's CPU profile.
import { measureLatency } from "./latency.ts";
import { LOAD_CPU, pinSelf } from "./processes.ts";

pinSelf(LOAD_CPU);
const runs = Number(process.env.RUNS ?? 1);
for (let run = 1; run <= runs; run++) {
  const r = await measureLatency({
    rate: Number(process.env.RATE ?? 1000),
    connections: 64,
    warmupSeconds: 2,
    seconds: Number(process.env.SECONDS ?? 8),
    run,
  });
  console.log(
    `latency run${run}: ${Math.round(r.rate)}/s, signal to delivery p50 ${r.p50} p99 ${r.p99} max ${r.max} ms; ack p50 ${r.ackP50.toFixed(1)} p99 ${r.ackP99.toFixed(1)} ms`,
  );
}
