// The runtime benchmark's server (node --expose-gc): fastify + switchboard with one live view (the
// engine's 2×13 product page, subscribed to "bench") and control routes for the load driver:
// /bench/memory, /bench/broadcast, and /bench/floor (pre-encoded frames written straight out).

import Fastify from "fastify";
import { defineLive, html, switchboard, type Logger } from "../src/switchboard/index.ts";
import { encodeFrame } from "../src/switchboard/frame.ts";
import { catalog, keyedProductPage, withLevel, type Level, type Product } from "../test/fixtures/product-page.ts";

/** The PubSub topic every bench view subscribes to when connected. */
export const BENCH_TOPIC = "bench";

/** What the server tells its parent over IPC (or prints as one JSON line when run alone). */
export type ServerMessage = { type: "ready"; url: string } | { type: "error"; message: string };

export interface MemoryReport {
  heapUsed: number;
  heapTotal: number;
  rss: number;
  external: number;
  arrayBuffers: number;
  connections: number;
  subscribers: number;
  /** Warnings and errors the framework logged since start: the driver fails on any error. */
  warnings: number;
  errors: number;
}

export interface BroadcastReport {
  /** process.hrtime.bigint() (CLOCK_MONOTONIC, shared by every process) just before broadcast(). */
  t0: string;
  /** … when broadcast() returned: every view has the message in its mailbox. */
  t1: string;
  /** … at the next setImmediate: every view has rendered, diffed and written its frame. */
  t2: string;
  /** Subscribers of the topic (for the floor: frames written). */
  subscribers: number;
}

interface BenchAssigns {
  products: readonly Product[];
  shopper: string;
  cartCount: number;
}

// The inventory all views share: a broadcast replaces it with one size level changed, so each
// view re-renders one card (a memo miss shared by all views) and sends a one-slot diff.
let products: readonly Product[] = catalog(2);
const originalLevel = products[1]!.items[5]!.level;
let round = 0;

const BenchPage = defineLive<BenchAssigns>({
  title: "Runtime benchmark",
  mount(_context, socket) {
    socket.assign({ products, shopper: "guest", cartCount: 0 });
    if (socket.connected) socket.subscribe(BENCH_TOPIC);
  },
  handleInfo(message, socket) {
    if (message.event === "stock") socket.assign({ products: (message.payload as { products: readonly Product[] }).products });
  },
  render: ({ products, shopper, cartCount }) => html`
    <section class="launch">
      <header class="launch__header">Hello, ${shopper} · cart (${cartCount})</header>
      ${keyedProductPage(products)}
    </section>`,
});

const counts = { warnings: 0, errors: 0 };
const log: Logger = {
  info() {},
  debug() {},
  warn(obj, msg) {
    counts.warnings++;
    if (counts.warnings <= 5) console.error("[runtime-server] warn:", msg, obj);
  },
  error(obj, msg) {
    counts.errors++;
    if (counts.errors <= 5) console.error("[runtime-server] error:", msg, obj);
  },
};

const gc = globalThis.gc;
if (typeof gc !== "function") throw new Error("runtime-server needs node --expose-gc to measure memory");

async function memory(): Promise<MemoryReport> {
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
    subscribers: app.switchboard.pubsub.subscriberCount(BENCH_TOPIC),
    ...counts,
  };
}

const app = Fastify({ logger: false });
await app.register(switchboard, {
  secret: "runtime-benchmark-secret-runtime-benchmark-secret",
  liveRoutes: { "/": BenchPage },
  log,
  // The driver sends no heartbeats; a run never comes near this.
  limits: { idleTimeoutMs: 10 * 60_000 },
});

app.get("/bench/memory", () => memory());

app.post("/bench/broadcast", async (): Promise<BroadcastReport> => {
  round++;
  const level: Level = round % 2 === 1 ? "out" : originalLevel;
  products = withLevel(products, 1, 5, level);
  const payload = { products };
  const t0 = process.hrtime.bigint();
  app.switchboard.pubsub.broadcast(BENCH_TOPIC, "stock", payload);
  const t1 = process.hrtime.bigint();
  // Views handle messages in microtasks; by the next macrotask every one has written its frame.
  await new Promise((resolve) => setImmediate(resolve));
  const t2 = process.hrtime.bigint();
  return { t0: String(t0), t1: String(t1), t2: String(t2), subscribers: app.switchboard.pubsub.subscriberCount(BENCH_TOPIC) };
});

// The floor under any fan-out on this machine: one pre-encoded frame per view (the diff the driver
// posts, under each view's own topic) written through the same websockets, with no PubSub,
// rendering, diffing or encoding on the clock.
app.post("/bench/floor", async (request): Promise<BroadcastReport> => {
  const payload = request.body;
  const frames: [(text: string) => void, string][] = [];
  for (const connection of app.switchboard.connections) {
    for (const view of connection.processes.values()) {
      frames.push([(text) => connection.send(text), encodeFrame(view.joinRef, null, view.topic, "diff", payload)]);
    }
  }
  const t0 = process.hrtime.bigint();
  for (const [send, frame] of frames) send(frame);
  const t1 = process.hrtime.bigint();
  await new Promise((resolve) => setImmediate(resolve));
  const t2 = process.hrtime.bigint();
  return { t0: String(t0), t1: String(t1), t2: String(t2), subscribers: frames.length };
});

function tell(message: ServerMessage): void {
  if (process.send) process.send(message);
  else console.log(JSON.stringify(message));
}

// The parent stops us with a message; if the parent dies, the IPC channel closes and we go too.
process.on("message", (message: { type?: string }) => {
  if (message?.type === "stop") app.close().finally(() => process.exit(0));
});
process.on("disconnect", () => process.exit(0));

try {
  const url = await app.listen({ port: Number(process.env.PORT ?? 0), host: "127.0.0.1" });
  tell({ type: "ready", url });
} catch (error) {
  tell({ type: "error", message: String(error) });
  process.exit(1);
}
