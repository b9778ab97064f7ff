// The store benchmarks' server (node --expose-gc): the real app from buildApp on a fresh database,
// the two launches with the first released, and /bench/* control routes that exist only here:
// memory, catalog, a log of commits and inventory events, and the sales burst with CPU and delay.

import { monitorEventLoopDelay } from "node:perf_hooks";
import { first, startChild } from "./children.ts";
import { ECHO_PATH, STATIC_PATH } from "./store-client.ts";
import type { SalesMessage } from "./sales-process.ts";
import { buildApp } from "../src/app.ts";
import { Mailbox, scheduler } from "../src/switchboard/mailbox.ts";
import { COMMITTED_TOPIC, INVENTORY_CHANGES_TOPIC, INVENTORY_TOPIC, type InventoryChanges, type InventoryEvent } from "../src/store/events.ts";
import { DEFAULT_SEED, mulberry32 } from "../src/store/seed.ts";
import { simulateSales, simulatorDefaults, type SimulationTotals } from "../src/store/simulator.ts";

/** What the server tells its parent over IPC. */
export type StoreServerMessage = { type: "ready"; url: string } | { type: "error"; message: string };

export interface StoreMemory {
  heapUsed: number;
  heapTotal: number;
  rss: number;
  external: number;
  arrayBuffers: number;
  connections: number;
  /** Views following the inventory (every product page and admin dashboard). */
  inventoryFollowers: number;
  /** Warnings and errors logged since start: the drivers fail on any error. */
  warnings: number;
  errors: number;
}

export interface CatalogProduct {
  id: number;
  released: boolean;
  releaseAt: string | null;
  items: { id: number; level: string; count: number }[];
}

/** process.hrtime.bigint() values travel as decimal strings. */
export interface CommitRecord {
  /** When this node announced it (the bench's subscriber hears it right after the inventory). */
  t: string;
  /** When the sales it announces had all committed (the simulator's clock; = t when it runs here). */
  committedAt: string;
  products: number[];
  items: number[];
}

export interface InventoryRecord {
  /** When the inventory delivered the event to this node's pages (the bench's subscriber is first). */
  t: string;
  /** When the last page had been handed it (a subscriber added after every page, so last in the loop). */
  handedOut: string | null;
  event: InventoryEvent;
}

export interface BurstReport {
  state: "idle" | "running" | "done" | "failed";
  error: string | null;
  perTick: number;
  started: string | null;
  ended: string | null;
  /** Where the simulator ran: "process" (its own) or "server" (this one). */
  sales: "process" | "server";
  totals: SimulationTotals | null;
  /** process.cpuUsage() over the burst, µs: this server's, and the sales process's. */
  cpu: { user: number; system: number } | null;
  salesCpu: { user: number; system: number } | null;
  /** Event-loop delay over the burst, ms (perf_hooks.monitorEventLoopDelay). */
  eventLoop: { p50: number; p99: number; max: number; mean: number; samples: number; resolutionMs: number } | null;
}

const SECRET = "store-benchmark-secret-store-benchmark-secret-0123456789";
const EVENT_LOOP_RESOLUTION_MS = 5;

const gc = globalThis.gc;
if (typeof gc !== "function") throw new Error("store-server needs node --expose-gc to measure memory");

// Warnings and errors from fastify, the framework and the store, counted; the first few printed.
const counts = { warnings: 0, errors: 0 };
const logStream = {
  write(line: string) {
    const level = Number(/"level":(\d+)/.exec(line)?.[1] ?? 0);
    if (level >= 50) counts.errors++;
    else if (level >= 40) counts.warnings++;
    if (level >= 40 && counts.warnings + counts.errors <= 10) process.stderr.write(`[store-server] ${line}`);
  },
};

const databaseUrl = process.env.BENCH_DATABASE_URL || undefined;
// LAUNCH_SLICE_MS: the scheduler's slice (see mailbox.ts), to compare; "Infinity" runs every fan-out in one turn.
if (process.env.LAUNCH_SLICE_MS) scheduler.sliceMs = Number(process.env.LAUNCH_SLICE_MS);
const salesWhere = process.env.BENCH_SALES === "server" || !databaseUrl ? "server" : "process";
const app = await buildApp(
  { secret: SECRET, store: { databaseUrl, dataDir: "memory://", pubsub: "local", nodeName: "bench" } },
  { logger: { level: "warn", stream: logStream } },
);
const store = app.store;

// The spec's two launches with the same stock every run; the first on sale, the second coming soon
// (no schedule, so no countdown ticks): the launch benchmark releases it with every page open.
await store.operations.seed({ seed: DEFAULT_SEED, products: 2, released: false }, true);
await store.operations.release(store.inventory.products()[0]!.id);
await store.inventory.settled();

// ---- The log: commits and inventory events on CLOCK_MONOTONIC --------------------------------

const commits: CommitRecord[] = [];
const inventoryLog: InventoryRecord[] = [];
/** The sales process's commit time of each change POST /bench/committed announces (delivery may come a turn later). */
const relayedCommitAt = new WeakMap<object, string>();
store.pubsub.subscribe(COMMITTED_TOPIC, {
  deliver(message) {
    const change = (message.payload ?? {}) as { products?: number[]; items?: number[] };
    const t = String(process.hrtime.bigint());
    commits.push({ t, committedAt: relayedCommitAt.get(change) ?? t, products: [...(change.products ?? [])], items: [...(change.items ?? [])] });
  },
});
// Subscribed before any page, so this subscriber hears each event before the pages do.
store.pubsub.subscribe(INVENTORY_TOPIC, {
  deliver(message) {
    const record: InventoryRecord = { t: String(process.hrtime.bigint()), handedOut: null, event: message.payload as InventoryEvent };
    inventoryLog.push(record);
    recordOf.set(record.event, record);
  },
});
const recordOf = new WeakMap<InventoryEvent, InventoryRecord>();
/**
 * Subscribed when the burst starts, after every page, with a mailbox of its own: the pages follow
 * INVENTORY_CHANGES_TOPIC, PubSub hands a message out in subscription order and the scheduler runs
 * mailboxes in the order they got work, so when this one runs every page has handled the change
 * (and, handling it synchronously, has written its frame).
 */
const followerMailbox = new Mailbox((error) => console.error("bench: the last follower failed", error));
const lastFollower = {
  deliver(message: { payload: unknown }) {
    followerMailbox.push(() => {
      const t = String(process.hrtime.bigint());
      for (const event of (message.payload as InventoryChanges).events) {
        const record = recordOf.get(event);
        if (record) record.handedOut = t;
      }
    });
  },
};

async function memory(): Promise<StoreMemory> {
  // Several passes with a turn of the loop between them, so closed sockets and weak callbacks settle.
  for (let i = 0; i < 3; i++) {
    gc!();
    await new Promise((resolve) => setImmediate(resolve));
  }
  gc!();
  const m = process.memoryUsage();
  return {
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    rss: m.rss,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    connections: app.switchboard.connections.size,
    inventoryFollowers: store.pubsub.subscriberCount(INVENTORY_CHANGES_TOPIC),
    ...counts,
  };
}

function catalog(): CatalogProduct[] {
  return store.inventory.products().map((p) => ({
    id: p.id,
    released: p.released,
    releaseAt: p.releaseAt,
    items: p.items.map((item) => ({ id: item.id, level: item.level, count: item.count })),
  }));
}

// ---- The burst: the simulator at full speed ------------------------------------------------

const burst: BurstReport = { state: "idle", error: null, perTick: 0, started: null, ended: null, sales: salesWhere, totals: null, cpu: null, salesCpu: null, eventLoop: null };
const eventLoop = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });

/** The simulator, here or in its own process; resolves with its totals (and that process's CPU). */
async function sell(perTick: number): Promise<{ totals: SimulationTotals; cpu: BurstReport["salesCpu"] }> {
  if (salesWhere === "server") {
    const totals = await simulateSales({ db: store.database.db, inventory: store.inventory, perTick, tickMs: 0, log: () => {}, random: mulberry32(DEFAULT_SEED) });
    return { totals, cpu: null };
  }
  const child = startChild("sales-process.ts", { args: [`--database=${databaseUrl}`, `--server=${serverUrl}`, `--per-tick=${perTick}`] });
  const result = await first<SalesMessage, "result">(child, "sales-process", "result");
  return { totals: result.totals, cpu: result.cpu };
}

const turn = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function startBurst(perTick: number): Promise<void> {
  Object.assign(burst, { state: "running", error: null, perTick, started: null, ended: null, totals: null, cpu: null, salesCpu: null, eventLoop: null });
  store.pubsub.unsubscribe(INVENTORY_CHANGES_TOPIC, lastFollower);
  store.pubsub.subscribe(INVENTORY_CHANGES_TOPIC, lastFollower);
  eventLoop.reset();
  eventLoop.enable();
  // The monitor measures from its first tick on: let it tick before the sales start.
  await turn(2 * EVENT_LOOP_RESOLUTION_MS + 1);
  const cpu = process.cpuUsage();
  burst.started = String(process.hrtime.bigint());
  try {
    const sold = await sell(perTick);
    burst.totals = sold.totals;
    burst.salesCpu = sold.cpu;
    burst.state = "done";
  } catch (error) {
    burst.error = String((error as Error)?.stack ?? error);
    burst.state = "failed";
  }
  // A turn of the loop (the views handle the last events and write their frames), then timers,
  // so the monitor records however long the loop was held at the end.
  await new Promise((resolve) => setImmediate(resolve));
  await turn(0);
  burst.ended = String(process.hrtime.bigint());
  const used = process.cpuUsage(cpu);
  await turn(EVENT_LOOP_RESOLUTION_MS + 1);
  eventLoop.disable();
  const ms = (ns: number) => Number((ns / 1e6).toFixed(2));
  burst.cpu = { user: used.user, system: used.system };
  burst.eventLoop = { p50: ms(eventLoop.percentile(50)), p99: ms(eventLoop.percentile(99)), max: ms(eventLoop.max), mean: ms(eventLoop.mean), samples: eventLoop.count, resolutionMs: EVENT_LOOP_RESOLUTION_MS };
}

app.get("/bench/memory", () => memory());
// The sales process's commits, announced here as this node's own would be.
app.post<{ Body: { items?: number[]; products?: number[]; committedAt: string } }>("/bench/committed", async (request) => {
  const { committedAt, ...change } = request.body;
  relayedCommitAt.set(change, committedAt);
  await store.inventory.committed(change);
  return {};
});
app.get("/bench/catalog", () => ({ products: catalog() }));
/** CPU time used so far (µs), for drivers that measure a phase of their own. */
app.get("/bench/cpu", () => process.cpuUsage());
app.get("/bench/log", () => ({ commits, inventory: inventoryLog }));
app.get("/bench/burst", () => ({ ...burst, state: burst.eventLoop === null && burst.state !== "idle" ? "running" : burst.state }));
app.post<{ Body: { perTick?: number } }>("/bench/burst", async (request, reply) => {
  if (burst.state === "running") return reply.code(409).send({ error: "a burst is already running" });
  const perTick = request.body?.perTick ?? simulatorDefaults.perTick;
  if (!Number.isInteger(perTick) || perTick < 1) return reply.code(400).send({ error: `perTick must be a positive integer; received ${perTick}` });
  void startBurst(perTick);
  return {};
});

/**
 * The bare-socket floor with exactly these sockets: one pre-encoded 80-byte text frame (a topic no
 * page has, which the driver only timestamps) written with ws.send to every open websocket, as
 * bare fastify + @fastify/websocket would; no view, no diff, no JSON. When the loop started, how
 * long it ran, and the CPU it used.
 */
const FLOOR_FRAME = (() => {
  const head = '["",null,"bench:floor","floor",{"pad":"';
  const tail = '"}]';
  return Buffer.from(head + "x".repeat(78 - head.length - tail.length) + tail);
})();
export interface FloorRound {
  /** CLOCK_MONOTONIC when the write loop started. */
  t: string;
  sockets: number;
  loopMs: number;
  cpu: { user: number; system: number };
}
app.post("/bench/floor", async (): Promise<FloorRound> => {
  const clients = app.websocketServer.clients;
  const cpu = process.cpuUsage();
  const t = process.hrtime.bigint();
  for (const ws of clients) ws.send(FLOOR_FRAME);
  const loopMs = Number(process.hrtime.bigint() - t) / 1e6;
  const used = process.cpuUsage(cpu);
  return { t: String(t), sockets: clients.size, loopMs, cpu: { user: used.user, system: used.system } };
});

/**
 * The events benchmark's floor: a bare websocket on this same server (fastify +
 * @fastify/websocket, no channel, no view) that answers every frame with one pre-encoded reply the
 * size of a counter click's. The driver clicks on it exactly as on the counter.
 */
const ECHO_REPLY = Buffer.from('["1","2","lv:F4kePage","phx_reply",{"status":"ok","response":{"diff":{"0":"123"}}}]');
app.get(ECHO_PATH, { websocket: true }, (socket) => {
  socket.on("message", () => socket.send(ECHO_REPLY));
});

/**
 * The render benchmark's floor: what fastify costs to answer `/` with no render and no token, the
 * same bytes as a first visit's page, status, type and Set-Cookie header (one made on first use).
 */
let staticPage: Promise<{ body: Buffer; type: string; cookie: string | string[] }> | null = null;
app.get(STATIC_PATH, async (_request, reply) => {
  staticPage ??= app.inject({ method: "GET", url: "/" }).then((page) => ({ body: page.rawPayload, type: String(page.headers["content-type"]), cookie: page.headers["set-cookie"] ?? [] }));
  const page = await staticPage;
  return reply.header("set-cookie", page.cookie).type(page.type).send(page.body);
});

function tell(message: StoreServerMessage): void {
  if (process.send) process.send(message);
  else console.log(JSON.stringify(message));
}

// The parent stops us with a message; if the parent dies, the IPC channel closes and we go too.
process.on("message", (message: { type?: string }) => {
  if (message?.type === "stop") app.close().finally(() => process.exit(0));
});
process.on("disconnect", () => process.exit(0));

let serverUrl = "";
try {
  serverUrl = await app.listen({ port: 0, host: "127.0.0.1" });
  tell({ type: "ready", url: serverUrl });
} catch (error) {
  tell({ type: "error", message: String(error) });
  process.exit(1);
}
