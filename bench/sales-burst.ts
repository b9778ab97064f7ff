// The cluster benchmark's burst of sales, tick by tick as the simulator (src/store/simulator.ts)
// makes them: `perTick` random in-stock sizes sold at once by the checkout's conditional
// decrement, then one committed() for the tick, at full speed. Unlike the simulator it reads each
// sale's remaining count, so it knows which sale changed a size's level and when that committed;
// a tick that changed levels hands them to `measure` and goes on once it resolves.
// The database connections are opened before the first tick.

import { and, eq, gt, sql } from "drizzle-orm";
import type { StoreDb } from "../src/store/database.ts";
import { levelOf, type Level } from "../src/store/levels.ts";
import { itemAvailabilities } from "../src/store/schema.ts";
import type { Store } from "../src/store/store.ts";

export interface TimedChange {
  readonly itemId: number;
  readonly from: Level;
  readonly level: Level;
  /** process.hrtime.bigint() when the sale that made the change had committed (its UPDATE returned). */
  readonly committed: bigint;
  /** … when the tick's last sale had committed and the tick was announced. */
  readonly announced: bigint;
}

export interface BurstOptions {
  readonly store: Store;
  /** Units available per size at the start (every size of a released product). */
  readonly stock: ReadonlyMap<number, number>;
  readonly perTick: number;
  /** Stop after the tick in which this many level changes have been measured. */
  readonly changes: number;
  readonly random: () => number;
  readonly measure: (changes: readonly TimedChange[]) => Promise<void>;
}

export interface BurstTotals {
  readonly sales: number;
  readonly ticks: number;
  readonly changes: number;
  /** Ticks with at least one level change. */
  readonly rounds: number;
  /** Per tick: from its first sale to its announcement, ms. */
  readonly tickMs: readonly number[];
  /** Wall time of the whole burst, pages' waits included, ms. */
  readonly ms: number;
}

interface Sale {
  readonly itemId: number;
  /** Units left after the sale, or null if the size was already sold out. */
  readonly left: number | null;
  readonly at: bigint;
}

/** The checkout's sellOne (src/store/checkout.ts), returning the units left. */
async function sellOne(db: StoreDb, itemId: number): Promise<Sale> {
  const [row] = await db
    .update(itemAvailabilities)
    .set({ availableCount: sql`${itemAvailabilities.availableCount} - 1`, updatedAt: sql`now()` })
    .where(and(eq(itemAvailabilities.itemId, itemId), gt(itemAvailabilities.availableCount, 0)))
    .returning({ left: itemAvailabilities.availableCount });
  return { itemId, left: row?.left ?? null, at: process.hrtime.bigint() };
}

/**
 * The level changes of one tick: per size, its level after the tick's last sale, timed by the
 * sale that first left it at that level (sales of one size commit one after the other).
 */
function changesOf(sales: readonly Sale[], levels: Map<number, Level>, announced: bigint): TimedChange[] {
  const bySize = new Map<number, Sale[]>();
  for (const sale of sales) {
    if (sale.left === null) continue;
    const list = bySize.get(sale.itemId);
    if (list) list.push(sale);
    else bySize.set(sale.itemId, [sale]);
  }
  const changes: TimedChange[] = [];
  for (const [itemId, list] of bySize) {
    const from = levels.get(itemId)!;
    const level = levelOf(Math.min(...list.map((s) => s.left!)));
    if (level === from) continue;
    const first = list.find((s) => levelOf(s.left!) === level && levelOf(s.left! + 1) !== level)!;
    changes.push({ itemId, from, level, committed: first.at, announced });
    levels.set(itemId, level);
  }
  return changes;
}

export async function salesBurst(options: BurstOptions): Promise<BurstTotals> {
  const { store, perTick, random } = options;
  const left = new Map(options.stock);
  const levels = new Map([...left].map(([id, count]) => [id, levelOf(count)]));
  const tickMs: number[] = [];
  const started = performance.now();
  let sales = 0;
  let changes = 0;
  let rounds = 0;
  // The pool's connections open now, not during the first tick.
  await Promise.all(Array.from({ length: perTick }, () => store.database.db.execute(sql`select 1`)));
  while (changes < options.changes) {
    const candidates = [...left].filter(([, count]) => count > 0).map(([id]) => id);
    if (candidates.length === 0) break;
    const picks = Array.from({ length: perTick }, () => candidates[Math.floor(random() * candidates.length)]!);
    const tickStarted = process.hrtime.bigint();
    const tick = await Promise.all(picks.map((itemId) => sellOne(store.database.db, itemId)));
    const announced = process.hrtime.bigint();
    tickMs.push(Number(announced - tickStarted) / 1e6);
    const sold = new Set<number>();
    for (const sale of tick) {
      if (sale.left !== null) sold.add(sale.itemId);
      left.set(sale.itemId, Math.min(left.get(sale.itemId)!, sale.left ?? 0));
    }
    sales += tick.filter((s) => s.left !== null).length;
    if (sold.size > 0) await store.inventory.committed({ items: [...sold] });
    const timed = changesOf(tick, levels, announced);
    if (timed.length === 0) continue;
    await options.measure(timed);
    changes += timed.length;
    rounds++;
  }
  return { sales, ticks: tickMs.length, changes, rounds, tickMs, ms: performance.now() - started };
}
