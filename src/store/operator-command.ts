// The operator's commands (`npm run store -- …`): parsed from the command line into a checked
// command, then run against an open store, here in the CLI or inside the running server that
// the CLI forwards to. Bad arguments are a UsageError (exit 2); a command that cannot be done is
// the store's StoreError (an unknown product id, say) or the CLI's own CommandError (exit 1).

import { DEFAULT_SEED, type SeedOptions } from "./seed.ts";
import { simulateSales, simulatorDefaults } from "./simulator.ts";
import type { Store } from "./store.ts";

export type OperatorCommand =
  | { readonly name: "help" }
  | { readonly name: "release"; readonly productId: number }
  | { readonly name: "schedule"; readonly productId: number; readonly releaseAt: Date | null }
  | { readonly name: "simulate"; readonly perTick: number; readonly tickMs: number }
  | { readonly name: "seed"; readonly options: SeedOptions; readonly force: boolean };

export class UsageError extends Error {
  override readonly name = "UsageError";
}

export class CommandError extends Error {
  override readonly name = "CommandError";
}

export const usage = `Usage: npm run store -- <command> [options]

Commands:
  release <product id>                    release a product now
  schedule <product id> <ISO time | none> release a product at a time, or clear its schedule
  simulate [--per-tick N] [--tick-ms N]   sell random sizes of released products until they are
                                          sold out (default ${simulatorDefaults.perTick} sales every ${simulatorDefaults.tickMs} ms)
  seed [--deterministic | --seed N] [--products N] [--released] [--force]
                                          fill an empty database with the catalog: the two
                                          launches, or N products for benchmarks; the same stock
                                          every time with --deterministic (or --seed N); --force
                                          starts the store over (deletes every cart, order and
                                          product first)

With DATABASE_URL the commands work on that PostgreSQL database. Otherwise they work on the
embedded database in DATA_DIR (default .data), through the server when one runs on it.`;

export function parseCommand(argv: readonly string[]): OperatorCommand {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help" || rest.includes("--help") || rest.includes("-h")) return { name: "help" };
  switch (name) {
    case "release": {
      const [id] = positionals(name, rest, ["product id"]);
      return { name, productId: productId(id!) };
    }
    case "schedule": {
      const [id, at] = positionals(name, rest, ["product id", "ISO time or none"]);
      return { name, productId: productId(id!), releaseAt: releaseTime(at!) };
    }
    case "simulate": {
      const options = flags(name, rest, { "per-tick": "number", "tick-ms": "number" });
      const perTick = options.number("per-tick", simulatorDefaults.perTick, 1);
      const tickMs = options.number("tick-ms", simulatorDefaults.tickMs, 0);
      return { name, perTick, tickMs };
    }
    case "seed": {
      // The same options as `npm run db:seed`.
      const options = flags(name, rest, { deterministic: "boolean", seed: "number", products: "number", released: "boolean", force: "boolean" });
      const seed = options.has("seed") ? options.number("seed", 0, 0) : options.boolean("deterministic") ? DEFAULT_SEED : undefined;
      const products = options.has("products") ? options.number("products", 0, 1) : undefined;
      const seedOptions: SeedOptions = { ...(seed === undefined ? {} : { seed }), ...(products === undefined ? {} : { products }), released: options.boolean("released") };
      return { name, options: seedOptions, force: options.boolean("force") };
    }
    default:
      throw new UsageError(`unknown command ${JSON.stringify(name)}; expected release, schedule, simulate or seed (see --help)`);
  }
}

function positionals(command: string, args: readonly string[], names: readonly string[]): string[] {
  const flag = args.find((arg) => arg.startsWith("--"));
  if (flag) throw new UsageError(`${command} takes no option ${flag}; usage: ${command} ${names.map((n) => `<${n}>`).join(" ")}`);
  if (args.length !== names.length) {
    throw new UsageError(`${command} expects ${names.map((n) => `<${n}>`).join(" ")}; received ${args.length === 0 ? "nothing" : args.map((a) => JSON.stringify(a)).join(" ")}`);
  }
  return [...args];
}

function productId(text: string): number {
  const id = /^[1-9]\d{0,9}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(id) || id > 2_147_483_647) throw new UsageError(`a product id is a positive whole number; received ${JSON.stringify(text)}`);
  return id;
}

function releaseTime(text: string): Date | null {
  if (text === "none") return null;
  const iso = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
  const time = iso.test(text) ? new Date(text) : null;
  if (!time || Number.isNaN(time.getTime()) || !isCalendarDate(text)) {
    throw new UsageError(`the release time must be an ISO 8601 time such as 2030-01-31T18:00:00Z, or none; received ${JSON.stringify(text)}`);
  }
  return time;
}

/** Date accepts 2030-02-31 as March 3rd; an operator who typed it made a mistake. */
function isCalendarDate(text: string): boolean {
  const [year, month, day] = text.slice(0, 10).split("-").map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function flags(command: string, args: readonly string[], known: Record<string, "number" | "boolean">) {
  const values = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    const kind = match && known[match[1]!];
    if (!match || !kind) {
      const options = Object.keys(known).map((k) => `--${k}`).join(", ");
      throw new UsageError(`${command} does not take ${JSON.stringify(arg)}; its options are ${options}`);
    }
    const key = match[1]!;
    if (kind === "boolean") {
      if (match[2] !== undefined) throw new UsageError(`--${key} takes no value; received ${JSON.stringify(arg)}`);
      values.set(key, true);
    } else {
      const value = match[2] ?? args[++i];
      if (value === undefined || value.startsWith("--")) throw new UsageError(`--${key} needs a value, e.g. --${key} 10`);
      values.set(key, value);
    }
  }
  return {
    has: (key: string) => values.has(key),
    boolean: (key: string) => values.get(key) === true,
    number(key: string, fallback: number, min: number): number {
      const text = values.get(key);
      if (text === undefined) return fallback;
      const value = typeof text === "string" && /^\d+$/.test(text) ? Number(text) : NaN;
      if (!Number.isSafeInteger(value) || value < min) throw new UsageError(`--${key} must be a whole number of at least ${min}; received ${JSON.stringify(text)}`);
      return value;
    },
  };
}

export interface CommandIO {
  /** A line of output for the operator. */
  readonly log: (line: string) => void;
  /** Stops a long command (the simulator) when the operator goes away. */
  readonly signal?: AbortSignal;
}

/** Runs a command against an open store; throws (a StoreError, mostly) when it cannot be done. */
export async function runCommand(store: Store, command: OperatorCommand, io: CommandIO): Promise<void> {
  switch (command.name) {
    case "help":
      io.log(usage);
      return;
    case "release":
      io.log(await store.operations.release(command.productId));
      return;
    case "schedule":
      io.log(await store.operations.schedule(command.productId, command.releaseAt));
      return;
    case "seed":
      io.log(await store.operations.seed(command.options, command.force));
      return;
    case "simulate": {
      const totals = await simulateSales({
        db: store.database.db,
        inventory: store.inventory,
        perTick: command.perTick,
        tickMs: command.tickMs,
        signal: io.signal,
        log: io.log,
      });
      io.log(JSON.stringify(totals));
      return;
    }
  }
}
