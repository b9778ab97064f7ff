// One run against the real store: a fresh database, the store server (store-server.ts) on it in a
// child process, whatever the scenario does with it within a deadline, then the server stopped
// and the database dropped — also when the run fails, in which case every child is killed.

import type { ChildProcess } from "node:child_process";
import { freshDatabase } from "./bench-database.ts";
import { deadline, first, killChildren, startChild, stopChild } from "./children.ts";
import type { StoreServerMessage } from "./store-server.ts";

export interface StoreServer {
  readonly url: string;
  /** Which database, for the printed table. */
  readonly database: string;
  readonly child: ChildProcess;
}

/** Runs `scenario` against a fresh store server; fails after `timeoutMs` with `what` in the message. */
export async function withStoreServer<T>(
  what: string,
  timeoutMs: number,
  scenario: (server: StoreServer, expired: Promise<never>) => Promise<T>,
  env: Readonly<Record<string, string>> = {},
): Promise<T> {
  const database = await freshDatabase();
  const limit = deadline(timeoutMs, () => `${what} took too long`);
  try {
    const child = startChild("store-server.ts", { execArgv: ["--expose-gc", ...(process.env.BENCH_PROFILE_DIR ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [])], env: { ...env, ...(database.url ? { BENCH_DATABASE_URL: database.url } : {}) } });
    const { url } = await Promise.race([first<StoreServerMessage, "ready">(child, "store-server", "ready"), limit.expired]);
    const result = await Promise.race([scenario({ url, database: database.description, child }, limit.expired), limit.expired]);
    await stopChild(child);
    return result;
  } catch (error) {
    killChildren();
    throw error;
  } finally {
    limit.clear();
    await database.drop();
  }
}

/** Runs a driver script to its one result message (or its error). */
export async function runDriver<R>(script: string, args: readonly string[], expired: Promise<never>): Promise<R> {
  const child = startChild(script, { args });
  const { result } = await Promise.race([first<{ type: "result"; result: R } | { type: "error"; message: string }, "result">(child, script, "result"), expired]);
  return result as R;
}
