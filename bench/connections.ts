// Connection sweep: the same throughput run as `npm run bench`, for chosen servers and connection counts,
// to check that a figure is not limited by too few requests in flight.
//   node --import tsx bench/connections.ts <targets> <connections> [items per request]
//   node --import tsx bench/connections.ts durable,alertmanager 32,64,128,256 1
// targets: sluice, alertmanager, ceiling (bare Fastify), durable (Fastify + SQLite, fsync before 202).
import { LOAD_CPU, pinSelf } from "./processes.ts";
import { measureThroughput, type Target } from "./throughput.ts";

const [targetList = "durable,alertmanager", connectionList = "32,64,128,256", batchText = "1"] = process.argv.slice(2);
const targets = targetList.split(",") as Target[];
const batch = Number(batchText);
pinSelf(LOAD_CPU);
console.log("| Server | Connections | Items/s | Server CPU | Load CPU | Failed |\n| --- | ---: | ---: | ---: | ---: | ---: |");
for (const connections of connectionList.split(",").map(Number)) {
  for (const target of targets) {
    const run = await measureThroughput(target, { batch, connections, warmupSeconds: 3, seconds: 8, run: 1 });
    console.log(
      `| ${target} | ${connections} | ${Math.round(run.itemsPerSecond)} | ${run.serverCpu.toFixed(2)} | ${run.loadCpu.toFixed(2)} | ${run.failed} |`,
    );
  }
}
