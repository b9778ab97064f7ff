// Small catalogs written straight into a test database (products with chosen sizes and stock,
// carts holding chosen items) for the cart, checkout, oversell and simulator tests, and the
// inventory over them.

import { eq } from "drizzle-orm";
import type { Database, StoreDb } from "../../src/store/database.ts";
import { COMMITTED_TOPIC, type Committed } from "../../src/store/events.ts";
import { Inventory } from "../../src/store/inventory.ts";
import type { PubSub } from "../../src/switchboard/pubsub.ts";
import { cartItems, carts, itemAvailabilities, items, products } from "../../src/store/schema.ts";

export interface ProductSpec {
  readonly price?: number;
  readonly released?: boolean;
  /** size → available count, e.g. { "9": 50, "9.5": 0 }. */
  readonly stock: Record<string, number>;
}

export interface InsertedProduct {
  readonly productId: number;
  /** size → item id, in the spec's order. */
  readonly items: Record<string, number>;
}

let skus = 0;

export async function insertProduct(db: StoreDb, spec: ProductSpec): Promise<InsertedProduct> {
  const base = `T${process.pid}-${++skus}`;
  const [product] = await db
    .insert(products)
    .values({ sku: base, order: skus, brand: "Brand", name: `Shoe ${skus}`, color: "black", price: spec.price ?? 100, mainImageUrl: "/i.png", released: spec.released ?? true })
    .returning({ id: products.id });
  const result: Record<string, number> = {};
  for (const [size, count] of Object.entries(spec.stock)) {
    const [item] = await db.insert(items).values({ sku: `${base}-${size}`, size, productId: product!.id }).returning({ id: items.id });
    await db.insert(itemAvailabilities).values({ itemId: item!.id, availableCount: count });
    result[size] = item!.id;
  }
  return { productId: product!.id, items: result };
}

/** Puts items straight into a cart (no rules checked: tests arrange states the rules prevent). */
export async function fillCart(db: StoreDb, cartId: string, itemIds: readonly number[]): Promise<void> {
  await db.insert(carts).values({ id: cartId }).onConflictDoNothing();
  if (itemIds.length > 0) await db.insert(cartItems).values(itemIds.map((itemId) => ({ cartId, itemId })));
}

/** An item's stock in the database. */
export async function stockOf(db: StoreDb, itemId: number): Promise<number> {
  const [row] = await db.select({ count: itemAvailabilities.availableCount }).from(itemAvailabilities).where(eq(itemAvailabilities.itemId, itemId));
  return row!.count;
}

/** The inventory over a test database, without release timers; stop() it after the test. */
export function startInventory(database: Pick<Database, "db">, pubsub: PubSub): Promise<Inventory> {
  return Inventory.start({ database, pubsub, scheduler: false });
}

/** Records every committed change announced on the PubSub (what every node would re-read). */
export function recordCommitted(pubsub: PubSub): Committed[] {
  const changes: Committed[] = [];
  pubsub.subscribe(COMMITTED_TOPIC, { deliver: (message) => changes.push(message.payload as Committed) });
  return changes;
}
