// The store cluster the cluster benchmark runs on: a fresh PostgreSQL database with released
// products stocked above the "high" threshold, N store nodes (`src/main.ts`, a process each) linked
// by one PubSub adapter, the bench's own store on the same link, and the teardown of all of it.

import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { Redis } from "ioredis";
import postgres from "postgres";
import { readConfig } from "../src/store/config.ts";
import { itemAvailabilities } from "../src/store/schema.ts";
import { DEFAULT_SEED, seed } from "../src/store/seed.ts";
import { openStore, type Store } from "../src/store/store.ts";
import { randomId } from "../src/switchboard/index.ts";

export type Adapter = "postgres" | "redis";

export interface ClusterOptions {
  readonly adapter: Adapter;
  readonly nodes: number;
  readonly products: number;
  /** The PostgreSQL server (any database on it): the bench creates and drops its own. */
  readonly postgresUrl: string;
  readonly redisUrl: string;
}

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const NODE_START_MS = 30_000;
const NODE_STOP_MS = 5_000;

/** Every size starts "high" (≥ 500), staggered so that sizes cross each threshold in different ticks. */
const initialStock = sql`500 + (${itemAvailabilities.itemId} * 37) % 300`;

/** One store node: `src/main.ts` in a child process, its log read for its address and its errors. */
export class StoreNode {
  url = "";
  /** Log lines at warn (40) or above, as logged. */
  readonly warnings: string[] = [];
  readonly errors: string[] = [];
  #pending = "";

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {}

  static async start(name: string, env: Record<string, string>): Promise<StoreNode> {
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: root,
      env: { ...process.env, ...env, PORT: "0", HOST: "127.0.0.1", NODE_NAME: name, DATA_DIR: "", LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const node = new StoreNode(name, child);
    let tail = "";
    node.url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`node ${name} did not listen within ${NODE_START_MS / 1000} s:\n${tail}`)), NODE_START_MS);
      const read = (chunk: Buffer) => {
        tail = (tail + chunk.toString()).slice(-4000);
        for (const line of node.#lines(chunk)) {
          const match = /Switchboard listening on (http:\/\/[^"\s]+)/.exec(line);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        }
      };
      child.stdout!.on("data", read);
      child.stderr!.on("data", (chunk: Buffer) => {
        tail = (tail + chunk.toString()).slice(-4000);
        node.errors.push(chunk.toString().trim());
      });
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`node ${name} exited (${signal ?? `code ${code}`}) before listening:\n${tail}`));
      });
    });
    return node;
  }

  /** Complete pino lines of this chunk; keeps warnings and errors. */
  #lines(chunk: Buffer): string[] {
    const text = this.#pending + chunk.toString();
    const lines = text.split("\n");
    this.#pending = lines.pop()!;
    for (const line of lines) {
      const level = Number(/"level":(\d+)/.exec(line)?.[1] ?? 30);
      if (level >= 50) this.errors.push(line);
      else if (level >= 40) this.warnings.push(line);
    }
    return lines;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM (the node closes its store and link), SIGKILL if it takes longer than NODE_STOP_MS. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    if (!this.alive) return;
    const exited = once(this.child, "exit");
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), NODE_STOP_MS);
    await exited;
    clearTimeout(timer);
  }
}

/** Nodes still running in this process's lifetime: killed if it exits without stopping them. */
const running = new Set<StoreNode>();
process.on("exit", () => {
  for (const node of running) if (node.alive) node.child.kill("SIGKILL");
});

export class StoreCluster {
  readonly nodes: StoreNode[] = [];
  /** Units available per size when the nodes started. */
  readonly stock = new Map<number, number>();
  /** The bench's own store, linked like the nodes: it sells and announces as the simulator does. */
  store: Store | null = null;
  readonly #database: string;
  readonly #prefix: string;
  readonly #admin: postgres.Sql;

  private constructor(readonly options: ClusterOptions) {
    const id = randomId(8).toLowerCase().replace(/[^a-z0-9]/g, "");
    this.#database = `sb_bench_cluster_${options.adapter}_${id}`;
    this.#prefix = `sb_bench_${id}`;
    this.#admin = postgres(options.postgresUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  }

  /** A new cluster; if any step fails, what was started is torn down before the error is thrown. */
  static async start(options: ClusterOptions): Promise<StoreCluster> {
    const cluster = new StoreCluster(options);
    try {
      await cluster.#prepare();
      const env = cluster.#env();
      const names = Array.from({ length: options.nodes }, (_, i) => `${options.adapter}-${String.fromCharCode(97 + i)}`);
      await Promise.all(
        names.map(async (name) => {
          const node = await StoreNode.start(name, env);
          running.add(node);
          cluster.nodes.push(node);
        }),
      );
      cluster.nodes.sort((a, b) => a.name.localeCompare(b.name));
      return cluster;
    } catch (error) {
      await cluster.stop("SIGKILL");
      throw error;
    }
  }

  get database(): string {
    return this.#database;
  }

  #url(): string {
    const url = new URL(this.options.postgresUrl);
    url.pathname = `/${this.#database}`;
    return url.toString();
  }

  #env(): Record<string, string> {
    return {
      DATABASE_URL: this.#url(),
      PUBSUB: this.options.adapter,
      PUBSUB_PREFIX: this.#prefix,
      REDIS_URL: this.options.redisUrl,
      // As deployed: production mode, one secret shared by the nodes.
      NODE_ENV: "production",
      SECRET_KEY_BASE: randomId(48),
      ADMIN_USER: "bench",
      ADMIN_PASSWORD: randomId(24),
    };
  }

  /** The database, seeded with released products and stocked; the bench's store on the link. */
  async #prepare(): Promise<void> {
    await this.#admin.unsafe(`create database "${this.#database}"`);
    const { adapter, redisUrl, products } = this.options;
    this.store = await openStore({
      config: { ...readConfig({}), databaseUrl: this.#url(), pubsub: adapter, pubsubPrefix: this.#prefix, redisUrl, nodeName: "bench" },
      seed: false,
      scheduler: false,
    });
    const { db } = this.store.database;
    await seed(db, { products, released: true, seed: DEFAULT_SEED });
    const rows = await db.update(itemAvailabilities).set({ availableCount: initialStock }).returning({ itemId: itemAvailabilities.itemId, count: itemAvailabilities.availableCount });
    for (const row of rows) this.stock.set(row.itemId, row.count);
    await this.store.inventory.reload();
  }

  /** Stops the nodes and the bench's store, drops the database, deletes any key under the prefix. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.stop(signal)));
    for (const node of this.nodes) running.delete(node);
    await this.store?.close().catch(() => {});
    try {
      await this.#admin.unsafe(`drop database if exists "${this.#database}" with (force)`);
    } finally {
      await this.#admin.end({ timeout: 2 });
    }
    if (this.options.adapter === "redis") await deleteKeys(this.options.redisUrl, this.#prefix);
  }
}

/** The adapter keeps no keys, only channels; any key under the prefix is a leftover: deleted. */
async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on("error", () => {});
  try {
    await redis.connect();
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}

/** Null when both servers the adapters need answer; else what is wrong and how to fix it. */
export async function unreachable(postgresUrl: string, redisUrl: string | null): Promise<string | null> {
  const pg = postgres(postgresUrl, { max: 1, onnotice: () => {}, connect_timeout: 3 });
  try {
    await pg`select 1`;
  } catch (error) {
    return `PostgreSQL is not reachable at ${postgresUrl} (${(error as Error).message}); start it or set DATABASE_URL to a server the bench may create databases on`;
  } finally {
    await pg.end({ timeout: 1 }).catch(() => {});
  }
  if (redisUrl === null) return null;
  const redis = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  let cause: Error | null = null;
  redis.on("error", (error: Error) => (cause ??= error));
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (error) {
    return `Redis is not reachable at ${redisUrl} (${(cause ?? (error as Error)).message}); start it, set REDIS_URL, or leave redis out of CLUSTER_ADAPTERS`;
  } finally {
    redis.disconnect();
  }
}
