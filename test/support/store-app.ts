// The whole Sneakers23 app for page tests: buildApp on an embedded database in memory (seeded with
// the deterministic catalog), plus the operator's moves a page test needs: release a product, set
// an item's stock as a sale would (committed, then re-read), and wait for the inventory to settle.

import { eq } from "drizzle-orm";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../../src/app.ts";
import type { StoreConfig } from "../../src/store/config.ts";
import { itemAvailabilities } from "../../src/store/schema.ts";
import type { Store } from "../../src/store/store.ts";

export interface StoreApp {
  readonly app: FastifyInstance;
  readonly store: Store;
  /** Releases a product (as the admin or CLI would) and waits until pages have heard it. */
  release(productId: number): Promise<void>;
  /** Sets an item's stock in the database and publishes it, as a committed sale does. */
  setStock(itemId: number, count: number): Promise<void>;
  /** The seeded catalog's first product's item ids, smallest size first. */
  itemsOf(productId: number): number[];
  close(): Promise<void>;
}

export async function storeApp(config: Partial<StoreConfig> = {}): Promise<StoreApp> {
  const app = await buildApp({ store: { dataDir: "memory://", ...config } });
  await app.ready();
  const store = app.store;
  return {
    app,
    store,
    async release(productId) {
      await store.operations.release(productId);
      await store.inventory.settled();
    },
    async setStock(itemId, count) {
      await store.database.db.update(itemAvailabilities).set({ availableCount: count }).where(eq(itemAvailabilities.itemId, itemId));
      await store.inventory.committed({ items: [itemId] });
      await store.inventory.settled();
    },
    itemsOf: (productId) => store.inventory.product(productId)!.items.map((item) => item.id),
    close: () => app.close(),
  };
}
