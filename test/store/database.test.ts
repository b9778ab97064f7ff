// The two drivers run the same migrations and queries.

import { afterAll, beforeAll, expect, test } from "vitest";
import { products } from "../../src/store/schema.ts";
import { createTestDatabase, describeDatabases, type TestDatabase } from "../support/databases.ts";

describeDatabases("database", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(() => t?.drop());

  test("migrations create the schema, with the sku uniqueness and price checks", async () => {
    const { db } = t.database;
    await db.insert(products).values({ sku: "SHU1", order: 0, brand: "b", name: "n", color: "c", price: 120, mainImageUrl: "/i.png" });
    const [row] = await db.select().from(products);
    expect(row).toMatchObject({ sku: "SHU1", released: false, releaseAt: null });
    await expect(db.insert(products).values({ sku: "SHU1", order: 1, brand: "b", name: "n", color: "c", price: 1, mainImageUrl: "/i.png" })).rejects.toThrow();
    await expect(db.insert(products).values({ sku: "SHU2", order: 1, brand: "b", name: "n", color: "c", price: -1, mainImageUrl: "/i.png" })).rejects.toThrow();
  });

  test("migrating twice is harmless", async () => {
    await t.database.migrate();
    expect(await t.database.db.select().from(products)).toHaveLength(1);
  });
});
