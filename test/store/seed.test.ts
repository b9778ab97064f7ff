// Seeds: the spec's two launches (or a larger catalog), random or deterministic stock, written
// in bulk; seedIfEmpty leaves a catalog alone, seed starts the store over.

import { asc, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import type { StoreDb } from "../../src/store/database.ts";
import { itemAvailabilities, items, products } from "../../src/store/schema.ts";
import { catalog, clear, mulberry32, seed, seedIfEmpty, SIZES } from "../../src/store/seed.ts";
import { createTestDatabase, describeDatabases, type TestDatabase } from "../support/databases.ts";

describe("catalog()", () => {
  test("is the spec's two unreleased products with 13 sizes each", () => {
    const rows = catalog({ seed: 1 });
    expect(rows.map(({ items: _, ...p }) => p)).toEqual([
      { sku: "SHU6000", order: 0, brand: "Snks 23", name: "Hop Man 3", color: "yellow/blue", price: 120, mainImageUrl: "/images/hopman.png", released: false },
      { sku: "SHU6100", order: 1, brand: "Asler", name: "Breezy Boost 600", color: "momentum", price: 140, mainImageUrl: "/images/breezy.png", released: false },
    ]);
    expect(SIZES).toEqual(["6", "6.5", "7", "7.5", "8", "8.5", "9", "9.5", "10", "10.5", "11", "11.5", "12"]);
    expect(rows[0]!.items.map((i) => i.sku)).toEqual(Array.from({ length: 13 }, (_, i) => `SHU${6001 + i}`));
    expect(rows[1]!.items.map((i) => i.sku)).toEqual(Array.from({ length: 13 }, (_, i) => `SHU${6101 + i}`));
    for (const product of rows) expect(product.items.map((i) => i.size)).toEqual(SIZES);
  });

  test("stock is 0 about one time in ten, otherwise 201 to 1200", () => {
    const counts = catalog({ seed: 7, products: 200 }).flatMap((p) => p.items.map((i) => i.availableCount));
    const zeros = counts.filter((n) => n === 0).length;
    expect(zeros / counts.length).toBeGreaterThan(0.07);
    expect(zeros / counts.length).toBeLessThan(0.13);
    for (const n of counts) if (n !== 0) expect(n >= 201 && n <= 1200).toBe(true);
    expect(new Set(counts).size).toBeGreaterThan(500);
  });

  test("the same seed gives the same catalog; another seed or none gives other stock", () => {
    expect(catalog({ seed: 23, products: 50 })).toEqual(catalog({ seed: 23, products: 50 }));
    const stock = (rows: ReturnType<typeof catalog>) => rows.flatMap((p) => p.items.map((i) => i.availableCount));
    expect(stock(catalog({ seed: 24 }))).not.toEqual(stock(catalog({ seed: 23 })));
    expect(stock(catalog())).not.toEqual(stock(catalog()));
  });

  test("a larger catalog has unique skus, plausible generated products and known images", () => {
    const rows = catalog({ seed: 3, products: 50, released: true });
    expect(rows).toHaveLength(50);
    const skus = rows.flatMap((p) => [p.sku, ...p.items.map((i) => i.sku)]);
    expect(new Set(skus).size).toBe(50 * 14);
    expect(rows.map((p) => p.order)).toEqual([...Array(50).keys()]);
    for (const p of rows.slice(2)) {
      expect(p.brand).toMatch(/\w/);
      expect(p.name).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+ \d+$/);
      expect(p.price % 5).toBe(0);
      expect(p.price).toBeGreaterThanOrEqual(80);
      expect(p.price).toBeLessThanOrEqual(260);
      expect(p.mainImageUrl).toMatch(/^\/images\/shoe-[0-3]\.png$/);
      expect(p.released).toBe(true);
    }
  });

  test("refuses a catalog of no products", () => {
    expect(() => catalog({ products: 0 })).toThrow(RangeError);
  });

  test("mulberry32 is deterministic and within [0, 1)", () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    for (let i = 0; i < 1000; i++) {
      const x = a();
      expect(x).toBe(b());
      expect(x >= 0 && x < 1).toBe(true);
    }
  });
});

/** The catalog as stored, without ids or timestamps. */
async function stored(db: StoreDb) {
  const productRows = await db.select({ sku: products.sku, order: products.order, brand: products.brand, name: products.name, color: products.color, price: products.price, released: products.released }).from(products).orderBy(asc(products.order));
  const itemRows = await db.select({ sku: items.sku, size: items.size, count: itemAvailabilities.availableCount }).from(items).innerJoin(itemAvailabilities, eq(itemAvailabilities.itemId, items.id)).orderBy(asc(items.sku));
  return { productRows, itemRows };
}

describeDatabases("seeding", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(() => t?.drop());
  beforeEach(() => clear(t.database.db));

  test("seedIfEmpty writes 2 products, 26 items and their stock, sizes as strings", async () => {
    const { db } = t.database;
    expect(await seedIfEmpty(db, { seed: 23 })).toEqual({ products: 2, items: 26 });
    const { productRows, itemRows } = await stored(db);
    expect(productRows.map((p) => [p.sku, p.released])).toEqual([
      ["SHU6000", false],
      ["SHU6100", false],
    ]);
    expect(itemRows).toHaveLength(26);
    expect(itemRows.map((i) => i.sku)).toEqual([...Array.from({ length: 13 }, (_, i) => `SHU${6001 + i}`), ...Array.from({ length: 13 }, (_, i) => `SHU${6101 + i}`)]);
    expect(new Set(itemRows.map((i) => typeof i.size))).toEqual(new Set(["string"]));
    expect(itemRows.filter((i) => i.sku.startsWith("SHU60")).map((i) => i.size)).toEqual(SIZES);
    const expected = catalog({ seed: 23 }).flatMap((p) => p.items.map((i) => i.availableCount));
    expect(itemRows.map((i) => i.count)).toEqual(expected);
  });

  test("seedIfEmpty leaves a seeded database alone", async () => {
    const { db } = t.database;
    await seedIfEmpty(db, { seed: 1 });
    const before = await stored(db);
    expect(await seedIfEmpty(db, { seed: 2, products: 5 })).toBeNull();
    expect(await stored(db)).toEqual(before);
  });

  test("two seeders at once write one catalog", async () => {
    const { db } = t.database;
    const results = await Promise.all([seedIfEmpty(db, { seed: 1 }), seedIfEmpty(db, { seed: 1 })]);
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    expect((await db.select({ n: count() }).from(products))[0]!.n).toBe(2);
  });

  test("the same seed stores the same catalog, and a forced reseed starts over with the same ids", async () => {
    const { db } = t.database;
    await seed(db, { seed: 5, products: 3 });
    const first = await stored(db);
    const firstIds = await db.select({ id: items.id }).from(items).orderBy(asc(items.id));
    await db.update(itemAvailabilities).set({ availableCount: 0 });
    expect(await seed(db, { seed: 5, products: 3 })).toEqual({ products: 3, items: 39 });
    expect(await stored(db)).toEqual(first);
    expect(await db.select({ id: items.id }).from(items).orderBy(asc(items.id))).toEqual(firstIds);
  });

  test("a larger catalog of 50 products is seeded released", async () => {
    const { db } = t.database;
    expect(await seed(db, { seed: 9, products: 50, released: true })).toEqual({ products: 50, items: 650 });
    const { productRows, itemRows } = await stored(db);
    expect(productRows).toHaveLength(50);
    expect(productRows.every((p) => p.released)).toBe(true);
    expect(itemRows).toHaveLength(650);
  });
});
