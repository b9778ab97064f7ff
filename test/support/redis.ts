// Redis for the tests: the shared server at REDIS_URL (default 127.0.0.1:6379), probed once, and
// private redis-server processes a test can kill and restart. Absent, the tests are skipped with
// the reason printed; in CI that absence fails.

import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { Redis } from "ioredis";

export const redisUrl = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
export const redisServerPath = process.env.REDIS_SERVER_PATH ?? "/usr/bin/redis-server";

async function probe(): Promise<string | null> {
  const client = new Redis(redisUrl, { lazyConnect: true, retryStrategy: () => null, connectTimeout: 3000, maxRetriesPerRequest: 0 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.ping();
    return null;
  } catch (error) {
    return (error as Error).message;
  } finally {
    client.disconnect();
  }
}

const unreachable = await probe();
export const hasRedis = unreachable === null;
if (!hasRedis) {
  const reason = `Redis not reachable at ${redisUrl} (${unreachable}); set REDIS_URL or start a local server`;
  if (process.env.CI) throw new Error(`Redis tests cannot run in CI: ${reason}`);
  console.warn(`skipping Redis tests: ${reason}`);
}

export const hasRedisServer = existsSync(redisServerPath);
if (!hasRedisServer) {
  const reason = `redis-server not found at ${redisServerPath} (apt-get install redis-server, or set REDIS_SERVER_PATH)`;
  if (process.env.CI) throw new Error(`the Redis restart tests cannot run in CI: ${reason}`);
  console.warn(`skipping the Redis restart tests: ${reason}`);
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const probe = createServer().listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address() as { port: number };
  probe.close();
  await once(probe, "close");
  return port;
}

/** A redis-server of the test's own on a fixed port, so that it can be killed and started again. */
export class PrivateRedis {
  #child: ChildProcess | null = null;

  constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.#child !== null && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  async start(): Promise<void> {
    const child = spawn(redisServerPath, ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: ["ignore", "pipe", "pipe"] });
    this.#child = child;
    let out = "";
    await new Promise<void>((resolve, reject) => {
      const read = (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes("Ready to accept connections")) resolve();
      };
      child.stdout!.on("data", read);
      child.stderr!.on("data", read);
      child.once("exit", (code, signal) => reject(new Error(`redis-server on port ${this.port} exited (${signal ?? code}): ${out}`)));
    });
  }

  /** SIGKILL: no goodbye to the clients, as when the machine dies. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child || !this.running) return;
    const exited = once(child, "exit");
    child.kill("SIGKILL");
    await exited;
  }
}
