// The sales simulator for demos, acceptance tests and benchmarks: every tick it sells `perTick`
// random sizes of released products that are still in stock (default 200 every 250 ms), each by
// the checkout's conditional decrement, and announces the tick's sales once they have committed.
// It stops when every released size is sold out, or when aborted, and returns its totals.

import { and, eq, gt } from "drizzle-orm";
import { sellOne } from "./checkout.ts";
import type { StoreDb } from "./database.ts";
import { unavailable } from "./errors.ts";
import type { Inventory } from "./inventory.ts";
import { itemAvailabilities, items, products } from "./schema.ts";

export interface SimulatorOptions {
  readonly db: StoreDb;
  /** Told about each tick's sales after they commit. */
  readonly inventory: Pick<Inventory, "committed">;
  /** Sales attempted per tick (default 200). */
  readonly perTick?: number;
  /** Milliseconds from one tick's start to the next (default 250). */
  readonly tickMs?: number;
  readonly signal?: AbortSignal;
  /** Progress lines (default console.log). */
  readonly log?: (line: string) => void;
  /** A random source in [0, 1) (default Math.random), for reproducible runs. */
  readonly random?: () => number;
}

export interface SimulationTotals {
  /** Units sold. */
  readonly sales: number;
  /** Picks that found their size already sold out (another pick or shopper got the last one). */
  readonly misses: number;
  readonly ticks: number;
  /** Every released size is sold out. */
  readonly soldOut: boolean;
  readonly aborted: boolean;
  readonly ms: number;
}

export const simulatorDefaults = { perTick: 200, tickMs: 250 } as const;

export async function simulateSales(options: SimulatorOptions): Promise<SimulationTotals> {
  const perTick = options.perTick ?? simulatorDefaults.perTick;
  const tickMs = options.tickMs ?? simulatorDefaults.tickMs;
  checkCount("perTick", perTick, 1);
  checkCount("tickMs", tickMs, 0);
  const log = options.log ?? ((line: string) => console.log(line));
  const random = options.random ?? Math.random;
  const started = performance.now();
  let sales = 0;
  let misses = 0;
  let ticks = 0;
  let soldOut = false;
  while (!options.signal?.aborted) {
    const tickStarted = performance.now();
    const candidates = await inStock(options.db);
    if (candidates.length === 0) {
      soldOut = true;
      break;
    }
    const picks = Array.from({ length: perTick }, () => candidates[Math.floor(random() * candidates.length)]!);
    const outcomes = await Promise.allSettled(picks.map((itemId) => sellOne(options.db, itemId)));
    const sold = new Set<number>();
    let failure: unknown = null;
    outcomes.forEach((outcome, i) => {
      if (outcome.status === "rejected") failure ??= outcome.reason;
      else if (outcome.value) sold.add(picks[i]!);
    });
    const tickSales = outcomes.filter((o) => o.status === "fulfilled" && o.value).length;
    sales += tickSales;
    misses += outcomes.filter((o) => o.status === "fulfilled" && !o.value).length;
    ticks += 1;
    if (sold.size > 0) await options.inventory.committed({ items: [...sold] });
    if (failure) throw unavailable("sell", failure);
    log(`simulator: tick ${ticks}: sold ${tickSales} (total ${sales}); ${candidates.length} sizes were in stock`);
    await pause(tickMs - (performance.now() - tickStarted), options.signal);
  }
  const totals = { sales, misses, ticks, soldOut, aborted: !soldOut, ms: Math.round(performance.now() - started) };
  log(soldOut ? `simulator: sold out after ${ticks} ticks: ${sales} sales in ${totals.ms} ms` : `simulator: stopped after ${ticks} ticks: ${sales} sales`);
  return totals;
}

/** Released sizes with stock, by the database (the truth). */
async function inStock(db: StoreDb): Promise<number[]> {
  const rows = await db
    .select({ itemId: itemAvailabilities.itemId })
    .from(itemAvailabilities)
    .innerJoin(items, eq(items.id, itemAvailabilities.itemId))
    .innerJoin(products, eq(products.id, items.productId))
    .where(and(eq(products.released, true), gt(itemAvailabilities.availableCount, 0)));
  return rows.map((row) => row.itemId);
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

function checkCount(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be a whole number of at least ${min}; received ${value}`);
}
