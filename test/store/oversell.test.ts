// No oversell, proven: hundreds of concurrent checkouts from distinct carts against a few units
// end with exactly as many orders as units, stock 0 and never below, and no partial orders when
// a cart holds a scarce item and a plentiful one. On the real PostgreSQL with a pool of 20
// connections (skipped outside CI when no server is reachable), and a smaller run on PGlite.

import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Checkout, type PurchaseResult } from "../../src/store/checkout.ts";
import { openDatabase, type Database } from "../../src/store/database.ts";
import { cartItems, carts, itemAvailabilities, orderItems, orders } from "../../src/store/schema.ts";
import { PubSub } from "../../src/switchboard/pubsub.ts";
import type { Inventory } from "../../src/store/inventory.ts";
import { insertProduct, startInventory, stockOf } from "../support/catalog.ts";
import { createTestDatabase, hasPostgres, type TestDatabase } from "../support/databases.ts";

const runs = [
  { kind: "postgres", units: 50, shoppers: 500, scarce: 10, skip: !hasPostgres },
  { kind: "pglite", units: 10, shoppers: 60, scarce: 3, skip: false },
] as const;

for (const run of runs) {
  describe.skipIf(run.skip)(`no oversell [${run.kind}]`, () => {
    let t: TestDatabase;
    let database: Database;
    let checkout: Checkout;
    let inventory: Inventory;

    beforeAll(async () => {
      t = await createTestDatabase(run.kind);
      // Enough connections that checkouts really run at once on the server.
      database = t.url ? await openDatabase({ url: t.url, poolSize: 20 }) : t.database;
      const pubsub = new PubSub();
      inventory = await startInventory(database, pubsub);
      checkout = new Checkout({ db: database.db, inventory, pubsub });
    });
    afterAll(async () => {
      await inventory?.stop();
      if (database && database !== t.database) await database.close();
      await t?.drop();
    });

    async function fill(prefix: string, itemIds: readonly number[]): Promise<string[]> {
      const ids = Array.from({ length: run.shoppers }, (_, i) => `${prefix}-${i}`);
      await database.db.insert(carts).values(ids.map((id) => ({ id })));
      await database.db.insert(cartItems).values(ids.flatMap((cartId) => itemIds.map((itemId) => ({ cartId, itemId }))));
      return ids;
    }

    /** Runs every checkout at once, watching the lowest stock another connection sees meanwhile. */
    async function stampede(cartIds: readonly string[], itemId: number) {
      let lowest = Infinity;
      let running = true;
      const watcher = (async () => {
        while (running) {
          lowest = Math.min(lowest, await stockOf(t.database.db, itemId));
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
      })();
      const started = performance.now();
      const results = await Promise.all(cartIds.map((id) => checkout.purchase(id)));
      const ms = performance.now() - started;
      running = false;
      await watcher;
      console.info(`[${run.kind}] ${cartIds.length} concurrent checkouts in ${ms.toFixed(0)} ms`);
      return { results, lowest, ms };
    }

    const tally = (results: readonly PurchaseResult[]) => {
      const counts: Record<string, number> = {};
      for (const r of results) counts[r.ok ? "ok" : r.reason] = (counts[r.ok ? "ok" : r.reason] ?? 0) + 1;
      return counts;
    };

    test(`${run.units} units, ${run.shoppers} shoppers at once: exactly ${run.units} orders, stock 0, never negative`, async () => {
      const shoe = await insertProduct(database.db, { stock: { "9": run.units } });
      const item = shoe.items["9"]!;
      const cartIds = await fill("single", [item]);
      const { results, lowest } = await stampede(cartIds, item);
      expect(tally(results)).toEqual({ ok: run.units, "out-of-stock": run.shoppers - run.units });
      expect(await stockOf(database.db, item)).toBe(0);
      expect(lowest).toBeGreaterThanOrEqual(0);
      const [sold] = await database.db.select({ n: sql<number>`count(*)::int` }).from(orderItems).where(eq(orderItems.itemId, item));
      expect(sold!.n).toBe(run.units);
      const [negative] = await database.db.select({ n: sql<number>`count(*)::int` }).from(itemAvailabilities).where(sql`${itemAvailabilities.availableCount} < 0`);
      expect(negative!.n).toBe(0);
    });

    test(`carts of a scarce item (${run.scarce} units) and a plentiful one: no partial orders`, async () => {
      const shoe = await insertProduct(database.db, { stock: { "8": run.scarce, "12": 10_000 } });
      const scarce = shoe.items["8"]!;
      const plentiful = shoe.items["12"]!;
      const cartIds = await fill("pair", [scarce, plentiful]);
      const { results } = await stampede(cartIds, scarce);
      expect(tally(results)).toEqual({ ok: run.scarce, "out-of-stock": run.shoppers - run.scarce });
      expect(await stockOf(database.db, scarce)).toBe(0);
      expect(await stockOf(database.db, plentiful)).toBe(10_000 - run.scarce);
      const sizes = await database.db
        .select({ n: sql<number>`count(*)::int` })
        .from(orders)
        .innerJoin(orderItems, eq(orderItems.orderId, orders.id))
        .where(sql`${orders.cartId} like 'pair-%'`)
        .groupBy(orders.id);
      expect(sizes).toHaveLength(run.scarce);
      expect(sizes.every((row) => row.n === 2)).toBe(true);
      // The carts that failed still hold both items; the ones that bought are empty.
      const [left] = await database.db.select({ n: sql<number>`count(*)::int` }).from(cartItems).where(sql`${cartItems.cartId} like 'pair-%'`);
      expect(left!.n).toBe(2 * (run.shoppers - run.scarce));
    });
  });
}
