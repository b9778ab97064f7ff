// The store opened as one unit, for the server and the CLI alike: the database (migrated, and
// seeded when empty if asked), the in-memory inventory, its sales meter, carts and checkout on one
// PubSub, and the operator's operations (release, schedule, seed) as messages for a person to read.

import { join } from "node:path";
import type { Logger } from "../switchboard/endpoint.ts";
import type { PubSub } from "../switchboard/pubsub.ts";
import { clusterPubSub } from "./cluster-pubsub.ts";
import { Carts } from "./cart.ts";
import { Checkout } from "./checkout.ts";
import type { StoreConfig } from "./config.ts";
import { openDatabase, type Database } from "./database.ts";
import { Inventory } from "./inventory.ts";
import { SalesMeter } from "./sales.ts";
import { seed, seedIfEmpty, type SeedOptions } from "./seed.ts";

export interface StoreOptions {
  readonly config: StoreConfig;
  /** The node's PubSub (the app shares the framework's); a new one by default. */
  readonly pubsub?: PubSub;
  /** Seed the catalog when the database is empty (the server does; the CLI has a command). */
  readonly seed?: boolean;
  /** Connections in the PostgreSQL pool. */
  readonly poolSize?: number;
  readonly log?: Logger;
  /** Fire scheduled releases at their time (default true; the CLI, short-lived, turns it off). */
  readonly scheduler?: boolean;
}

export interface Operations {
  release(productId: number): Promise<string>;
  schedule(productId: number, releaseAt: Date | null): Promise<string>;
  /** Seeds an empty database, or starts the store over with `force`. */
  seed(options: SeedOptions, force: boolean): Promise<string>;
}

export interface Store {
  readonly config: StoreConfig;
  readonly database: Database;
  readonly pubsub: PubSub;
  readonly inventory: Inventory;
  /** Units sold per second on this node's view of the inventory (from any source). */
  readonly sales: SalesMeter;
  readonly carts: Carts;
  readonly checkout: Checkout;
  readonly operations: Operations;
  close(): Promise<void>;
}

/** "memory://…": PGlite in memory, nothing written (tests). */
export const isMemoryDir = (dataDir: string) => dataDir.startsWith("memory://");

/** Where PGlite keeps its files inside DATA_DIR. */
export const pgliteDir = (dataDir: string) => (isMemoryDir(dataDir) ? dataDir : join(dataDir, "pglite"));

export async function openStore(options: StoreOptions): Promise<Store> {
  const { config } = options;
  // A PubSub of its own (the CLI's) is linked to the cluster as configured, and closed with it.
  const ownPubSub = options.pubsub ? null : clusterPubSub(config, { log: options.log });
  const pubsub = options.pubsub ?? ownPubSub!;
  await pubsub.start();
  const database = await openDatabase(config.databaseUrl ? { url: config.databaseUrl, poolSize: options.poolSize } : { dataDir: pgliteDir(config.dataDir) });
  const sales = new SalesMeter(pubsub);
  try {
    await database.exclusive(async () => {
      await database.migrate();
      if (options.seed) await seedIfEmpty(database.db);
    });
    sales.start();
    const inventory = await Inventory.start({ database, pubsub, log: options.log, scheduler: options.scheduler });
    const store: Store = {
      config,
      database,
      pubsub,
      inventory,
      sales,
      carts: new Carts({ db: database.db, inventory, pubsub, maxItems: config.maxCartItems }),
      checkout: new Checkout({ db: database.db, inventory, pubsub }),
      operations: operations(database, inventory),
      async close() {
        await inventory.stop();
        sales.stop();
        try {
          await ownPubSub?.stop();
        } finally {
          await database.close();
        }
      },
    };
    return store;
  } catch (error) {
    sales.stop();
    await ownPubSub?.stop().catch(() => {});
    await database.close().catch(() => {});
    throw error;
  }
}

function operations(database: Database, inventory: Inventory): Operations {
  // Unknown ids are the inventory's STORE_ERR_UNKNOWN_PRODUCT; a known product is named.
  const name = (productId: number) => {
    const product = inventory.product(productId);
    return product ? `product ${productId} (${product.brand} ${product.name})` : `product ${productId}`;
  };
  return {
    async release(productId) {
      const outcome = await inventory.release(productId);
      return outcome === "already" ? `${name(productId)} was already released` : `${name(productId)} released`;
    },
    async schedule(productId, releaseAt) {
      await inventory.schedule(productId, releaseAt);
      return releaseAt ? `${name(productId)} will be released at ${releaseAt.toISOString()}` : `${name(productId)}: release schedule cleared`;
    },
    async seed(options, force) {
      const summary = force ? await seed(database.db, options) : await seedIfEmpty(database.db, options);
      if (!summary) return "the database already has products; pass --force to start it over";
      await inventory.reload();
      return `seeded ${summary.products} products, ${summary.items} items${force ? " (carts, orders and the old catalog deleted)" : ""}`;
    },
  };
}
