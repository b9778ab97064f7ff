// The inventory's SQL, one function per statement: the reads that load or re-read the catalog,
// and the conditional writes (release, schedule, sale) that make it safe for any number of nodes
// to do the same thing at once.

import { and, asc, eq, gt, inArray, sql } from "drizzle-orm";
import type { StoreDb } from "./database.ts";
import { itemAvailabilities, items, products } from "./schema.ts";
import type { ItemRow, ProductRow } from "./snapshot.ts";

/** Every product (in display order), or those with the given ids. */
export function readProducts(db: StoreDb, ids?: readonly number[]): Promise<ProductRow[]> {
  const query = db
    .select({
      id: products.id,
      sku: products.sku,
      order: products.order,
      brand: products.brand,
      name: products.name,
      color: products.color,
      price: products.price,
      mainImageUrl: products.mainImageUrl,
      released: products.released,
      releaseAt: products.releaseAt,
    })
    .from(products);
  return ids ? query.where(inArray(products.id, [...ids])) : query.orderBy(asc(products.order), asc(products.id));
}

/** Every item with its available count, or those with the given ids. */
export function readItems(db: StoreDb, ids?: readonly number[]): Promise<ItemRow[]> {
  const query = db
    .select({ id: items.id, sku: items.sku, size: items.size, productId: items.productId, availableCount: itemAvailabilities.availableCount })
    .from(items)
    .leftJoin(itemAvailabilities, eq(itemAvailabilities.itemId, items.id));
  return ids ? query.where(inArray(items.id, [...ids])) : query;
}

/** Whether the product is released; null when there is no such product. */
export async function readReleased(db: StoreDb, productId: number): Promise<boolean | null> {
  const [row] = await db.select({ released: products.released }).from(products).where(eq(products.id, productId));
  return row ? row.released : null;
}

export async function itemExists(db: StoreDb, itemId: number): Promise<boolean> {
  const rows = await db.select({ id: items.id }).from(items).where(eq(items.id, itemId));
  return rows.length > 0;
}

/** Releases an unreleased product; true if this statement released it. */
export async function releaseProduct(db: StoreDb, productId: number): Promise<boolean> {
  const rows = await db
    .update(products)
    .set({ released: true, updatedAt: sql`now()` })
    .where(and(eq(products.id, productId), eq(products.released, false)))
    .returning({ id: products.id });
  return rows.length > 0;
}

/**
 * Releases the product only if it is still scheduled for exactly `at` (an ISO time; compared to
 * the millisecond): a timer for a schedule changed meanwhile, or a second node's timer for the
 * same one, changes nothing. True if this statement released it.
 */
export async function releaseScheduled(db: StoreDb, productId: number, at: string): Promise<boolean> {
  const rows = await db
    .update(products)
    .set({ released: true, updatedAt: sql`now()` })
    .where(and(eq(products.id, productId), eq(products.released, false), sql`date_trunc('milliseconds', ${products.releaseAt}) = ${at}::timestamptz`))
    .returning({ id: products.id });
  return rows.length > 0;
}

/** Sets or clears an unreleased product's release_at; false if no unreleased product matched. */
export async function setReleaseAt(db: StoreDb, productId: number, at: Date | null): Promise<boolean> {
  const rows = await db
    .update(products)
    .set({ releaseAt: at, updatedAt: sql`now()` })
    .where(and(eq(products.id, productId), eq(products.released, false)))
    .returning({ id: products.id });
  return rows.length > 0;
}

/** One sale: a conditional decrement that never takes stock below 0. True if it sold. */
export async function decrementStock(db: StoreDb, itemId: number): Promise<boolean> {
  const rows = await db
    .update(itemAvailabilities)
    .set({ availableCount: sql`${itemAvailabilities.availableCount} - 1`, updatedAt: sql`now()` })
    .where(and(eq(itemAvailabilities.itemId, itemId), gt(itemAvailabilities.availableCount, 0)))
    .returning({ availableCount: itemAvailabilities.availableCount });
  return rows.length > 0;
}
