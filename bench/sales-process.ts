// The launch benchmark's sales in a process of their own, as `npm run store -- simulate` runs beside
// a server on PostgreSQL: the store's simulator at full speed, each tick's commit relayed to the
// server (POST /bench/committed) with the moment its sales had all committed.

import http from "node:http";
import { openDatabase } from "../src/store/database.ts";
import { DEFAULT_SEED, mulberry32 } from "../src/store/seed.ts";
import { simulateSales, type SimulationTotals } from "../src/store/simulator.ts";
import { parseArgs, request, tellParent } from "./store-client.ts";

export type SalesMessage = { type: "result"; totals: SimulationTotals; cpu: { user: number; system: number } } | { type: "error"; message: string };

const args = parseArgs(process.argv.slice(2));
const perTick = Number(args["per-tick"] ?? 200);
if (!args.database || !args.server || !Number.isInteger(perTick) || perTick < 1) {
  throw new Error("usage: sales-process.ts --database=postgres://… --server=http://127.0.0.1:PORT [--per-tick=200]");
}

process.on("disconnect", () => process.exit(1));
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const database = await openDatabase({ url: args.database });
let message: SalesMessage;
try {
  const cpu = process.cpuUsage();
  const totals = await simulateSales({
    db: database.db,
    inventory: {
      // Resolves once the server has re-read the rows, as the store's own committed() does.
      async committed(change) {
        const committedAt = String(process.hrtime.bigint());
        const res = await request(`${args.server}/bench/committed`, { method: "POST", agent, json: { ...change, committedAt } });
        if (res.status !== 200) throw new Error(`POST /bench/committed answered ${res.status}: ${res.body.slice(0, 200)}`);
      },
    },
    perTick,
    tickMs: 0,
    log: () => {},
    random: mulberry32(DEFAULT_SEED),
  });
  message = { type: "result", totals, cpu: process.cpuUsage(cpu) };
} catch (error) {
  message = { type: "error", message: String((error as Error)?.stack ?? error) };
} finally {
  agent.destroy();
  await database.close().catch(() => {});
}
await tellParent(message);
process.exit(message.type === "result" ? 0 : 1);
