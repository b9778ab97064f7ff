// Cart rules on both drivers: one of each size, only released in-stock sizes, at most
// maxCartItems even when tabs add at once; remove; list newest first with live availability;
// every change published on the cart's topic after it commits, and nothing for a refusal.

import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { Carts, cartMessages } from "../../src/store/cart.ts";
import { CART_CHANGED, cartTopic } from "../../src/store/events.ts";
import { itemAvailabilities } from "../../src/store/schema.ts";
import { PubSub, type Message } from "../../src/switchboard/pubsub.ts";
import type { Inventory } from "../../src/store/inventory.ts";
import { insertProduct, startInventory, type InsertedProduct } from "../support/catalog.ts";
import { createTestDatabase, describeDatabases, type TestDatabase } from "../support/databases.ts";

describe("cart messages", () => {
  test("say the limit in words", () => {
    expect(cartMessages.full(2)).toBe("Your cart is full: add up to two items");
    expect(cartMessages.full(1)).toBe("Your cart is full: add up to one item");
    expect(cartMessages.full(12)).toBe("Your cart is full: add up to 12 items");
  });
});

describeDatabases("cart", (kind) => {
  let t: TestDatabase;
  let shoe: InsertedProduct;
  let other: InsertedProduct;
  let unreleased: InsertedProduct;
  let inventory: Inventory;
  let pubsub: PubSub;
  let carts: Carts;
  let cartId: string;
  let ids = 0;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    shoe = await insertProduct(t.database.db, { price: 120, stock: { "9": 300, "9.5": 0, "10": 5, "10.5": 800 } });
    other = await insertProduct(t.database.db, { price: 140, stock: { "6": 40, "6.5": 41, "7": 42, "7.5": 43, "8": 44 } });
    unreleased = await insertProduct(t.database.db, { released: false, stock: { "11": 10 } });
  });
  afterAll(() => t?.drop());

  beforeEach(async () => {
    pubsub = new PubSub();
    inventory = await startInventory(t.database, pubsub);
    carts = new Carts({ db: t.database.db, inventory, pubsub, maxItems: 2 });
    cartId = `cart-${kind}-${++ids}`;
  });
  afterEach(() => inventory.stop());

  function listen(id = cartId): Message[] {
    const seen: Message[] = [];
    pubsub.subscribe(cartTopic(id), { deliver: (message) => seen.push(message) });
    return seen;
  }

  test("adds items and lists them newest first with the product's details and live level", async () => {
    const seen = listen();
    expect(await carts.add(cartId, shoe.items["9"]!)).toEqual({ ok: true, itemId: shoe.items["9"] });
    expect(await carts.add(cartId, other.items["6"]!)).toEqual({ ok: true, itemId: other.items["6"] });
    const lines = await carts.list(cartId);
    expect(lines.map((line) => line.itemId)).toEqual([other.items["6"], shoe.items["9"]]);
    expect(lines[1]).toMatchObject({ productId: shoe.productId, brand: "Brand", size: "9", price: 120, count: 300, level: "medium", released: true, available: true });
    expect(lines[0]).toMatchObject({ size: "6", price: 140, level: "low" });
    expect(seen).toEqual([
      { topic: cartTopic(cartId), event: CART_CHANGED, payload: { cartId } },
      { topic: cartTopic(cartId), event: CART_CHANGED, payload: { cartId } },
    ]);
  });

  test("refuses a second add of the same size, and publishes nothing for it", async () => {
    await carts.add(cartId, shoe.items["9"]!);
    const seen = listen();
    expect(await carts.add(cartId, shoe.items["9"]!)).toEqual({ ok: false, reason: "duplicate", message: "This size is already in your cart" });
    expect(seen).toEqual([]);
    expect(await carts.list(cartId)).toHaveLength(1);
  });

  test("refuses a third item: the launch rule", async () => {
    await carts.add(cartId, shoe.items["9"]!);
    await carts.add(cartId, shoe.items["10"]!);
    const seen = listen();
    expect(await carts.add(cartId, shoe.items["10.5"]!)).toEqual({ ok: false, reason: "full", message: "Your cart is full: add up to two items" });
    expect(seen).toEqual([]);
  });

  test("honours another maxItems", async () => {
    const roomy = new Carts({ db: t.database.db, inventory, pubsub, maxItems: 3 });
    for (const size of ["6", "6.5", "7"]) expect((await roomy.add(cartId, other.items[size]!)).ok).toBe(true);
    expect(await roomy.add(cartId, other.items["7.5"]!)).toMatchObject({ ok: false, reason: "full", message: "Your cart is full: add up to three items" });
    expect(() => new Carts({ db: t.database.db, inventory, pubsub, maxItems: 0 })).toThrow(RangeError);
  });

  test("refuses sold-out, unreleased and unknown sizes", async () => {
    expect(await carts.add(cartId, shoe.items["9.5"]!)).toEqual({ ok: false, reason: "sold-out", message: "This size is sold out" });
    expect(await carts.add(cartId, unreleased.items["11"]!)).toEqual({ ok: false, reason: "unreleased", message: "This shoe is not released yet" });
    expect(await carts.add(cartId, 999_999)).toEqual({ ok: false, reason: "unknown", message: "This size does not exist" });
    expect(await carts.list(cartId)).toEqual([]);
  });

  test("two tabs adding at once never exceed the limit", async () => {
    const sizes = ["6", "6.5", "7", "7.5", "8"];
    const results = await Promise.all(sizes.map((size) => carts.add(cartId, other.items[size]!)));
    expect(results.filter((r) => r.ok)).toHaveLength(2);
    expect(results.filter((r) => !r.ok).map((r) => !r.ok && r.reason)).toEqual(["full", "full", "full"]);
    expect(await carts.list(cartId)).toHaveLength(2);
  });

  test("the same size added by two tabs at once is in the cart once", async () => {
    const results = await Promise.all([carts.add(cartId, shoe.items["9"]!), carts.add(cartId, shoe.items["9"]!)]);
    expect(results.map((r) => (r.ok ? "ok" : r.reason)).sort()).toEqual(["duplicate", "ok"]);
    expect(await carts.list(cartId)).toHaveLength(1);
  });

  test("remove takes the item out and publishes; removing an absent item publishes nothing", async () => {
    await carts.add(cartId, shoe.items["9"]!);
    await carts.add(cartId, shoe.items["10"]!);
    const seen = listen();
    expect(await carts.remove(cartId, shoe.items["9"]!)).toEqual({ ok: true, removed: true });
    expect(seen).toHaveLength(1);
    expect(await carts.remove(cartId, shoe.items["9"]!)).toEqual({ ok: true, removed: false });
    expect(seen).toHaveLength(1);
    expect((await carts.list(cartId)).map((line) => line.size)).toEqual(["10"]);
    expect((await carts.add(cartId, shoe.items["9"]!)).ok).toBe(true);
  });

  test("carts are separate", async () => {
    await carts.add(cartId, shoe.items["9"]!);
    await carts.add(cartId, shoe.items["10"]!);
    const seen = listen(`${cartId}-b`);
    expect((await carts.add(`${cartId}-b`, shoe.items["9"]!)).ok).toBe(true);
    expect(await carts.list(`${cartId}-b`)).toHaveLength(1);
    expect(seen).toHaveLength(1);
    expect(await carts.list("no-such-cart")).toEqual([]);
  });

  test("a line turns unavailable when its size sells out", async () => {
    await carts.add(cartId, shoe.items["10"]!);
    await t.database.db.update(itemAvailabilities).set({ availableCount: 0 }).where(eq(itemAvailabilities.itemId, shoe.items["10"]!));
    await inventory.committed({ items: [shoe.items["10"]!] });
    expect(await carts.list(cartId)).toMatchObject([{ size: "10", count: 0, level: "out", available: false }]);
    await t.database.db.update(itemAvailabilities).set({ availableCount: 5 }).where(eq(itemAvailabilities.itemId, shoe.items["10"]!));
  });

  test("a database failure is a typed refusal, not a throw", async () => {
    const broken = await createTestDatabase(kind);
    const brokenCarts = new Carts({ db: broken.database.db, inventory, pubsub, maxItems: 2 });
    await broken.drop();
    const seen = listen();
    expect(await brokenCarts.add(cartId, shoe.items["9"]!)).toMatchObject({
      ok: false,
      reason: "failed",
      message: "Your cart could not be updated, please try again",
      error: { code: "STORE_ERR_DB_UNAVAILABLE" },
    });
    expect(await brokenCarts.remove(cartId, shoe.items["9"]!)).toMatchObject({ ok: false, reason: "failed" });
    await expect(brokenCarts.list(cartId)).rejects.toThrow();
    expect(seen).toEqual([]);
  });
});
