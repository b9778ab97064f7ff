// The benchmark's child processes: a bench script forked with IPC (through tsx), the first message
// of a kind from it within a deadline, a clean stop, and every child still running killed on any
// failure and when the runner exits. Also the open-files check that many-socket scenarios need.

import { fork, execFileSync, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/** Descriptors a process needs beyond its sockets (modules, database pool, stdio, …). */
export const FD_HEADROOM = 256;

/** The open-files limit this process (and so every child) runs with; Infinity when unlimited. */
export function openFileLimit(): number {
  const limit = execFileSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" }).trim();
  return limit === "unlimited" ? Infinity : Number(limit);
}

/** Throws unless each child may hold `sockets` sockets at once. */
export function checkFileLimit(sockets: number, what: string): void {
  const limit = openFileLimit();
  if (limit < sockets + FD_HEADROOM) {
    throw new Error(`the open-files limit (ulimit -n) is ${limit}; ${what} need at least ${sockets + FD_HEADROOM}. Raise it (ulimit -n 65536) and run again.`);
  }
}

/** Children still running; killed on any failure and when this process exits. */
const children = new Set<ChildProcess>();

export function killChildren(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  children.clear();
}
process.on("exit", killChildren);

export interface StartOptions {
  readonly args?: readonly string[];
  readonly execArgv?: readonly string[];
  /** Added to this process's environment. */
  readonly env?: Readonly<Record<string, string>>;
}

/** Forks bench/<script> with IPC; its stdout and stderr go to ours. */
export function startChild(script: string, options: StartOptions = {}): ChildProcess {
  const child = fork(join(here, script), [...(options.args ?? [])], {
    execArgv: [...(options.execArgv ?? []), "--import", "tsx"],
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

/** The child's first message of type `type`; rejects on an error message or an early exit. */
export function first<M extends { type: string }, K extends M["type"]>(child: ChildProcess, name: string, type: K): Promise<Extract<M, { type: K }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: M) => {
      if (message.type === type) finish(() => resolve(message as Extract<M, { type: K }>));
      else if (message.type === "error") finish(() => reject(new Error(`${name} failed: ${(message as unknown as { message: string }).message}`)));
    };
    const onExit = (code: number | null, signal: string | null) => finish(() => reject(new Error(`${name} exited (${signal ?? `code ${code}`}) before sending "${type}"`)));
    const finish = (then: () => void) => {
      child.off("message", onMessage);
      child.off("exit", onExit);
      then();
    };
    child.on("message", onMessage);
    child.on("exit", onExit);
  });
}

/** Asks the child to stop ({type: "stop"}); kills it if it has not exited within 5 s. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  if (child.connected) child.send({ type: "stop" });
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

/** A promise that rejects after `ms` with `message`, and the way to disarm it. */
export function deadline(ms: number, message: () => string): { readonly expired: Promise<never>; clear(): void } {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message()} (after ${Math.round(ms / 1000)} s); stopped`)), ms);
  });
  expired.catch(() => {});
  return { expired, clear: () => clearTimeout(timer) };
}

/** A whole number of at least 1 from the environment, or the default. */
export function positiveSetting(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer; received ${JSON.stringify(value)}`);
  return n;
}

/** A comma-separated list of whole numbers from the environment, or the default. */
export function listSetting(name: string, fallback: readonly number[]): number[] {
  const value = process.env[name];
  if (value === undefined || value === "") return [...fallback];
  return value.split(",").map((v) => {
    const n = Number(v.trim());
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a comma-separated list of positive integers; received ${JSON.stringify(value)}`);
    return n;
  });
}
