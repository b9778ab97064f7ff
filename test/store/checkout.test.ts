// Checkout on both drivers: all-or-nothing, the order written with the database's prices, the
// cart emptied, and the inventory and cart changes published only after the commit; every
// refusal with the spec's message and nothing published.

import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { Checkout, checkoutMessages } from "../../src/store/checkout.ts";
import { cartTopic } from "../../src/store/events.ts";
import { cartItems, orderItems, orders } from "../../src/store/schema.ts";
import { PubSub } from "../../src/switchboard/pubsub.ts";
import type { Committed } from "../../src/store/events.ts";
import type { Inventory } from "../../src/store/inventory.ts";
import { fillCart, insertProduct, recordCommitted, startInventory, stockOf, type InsertedProduct } from "../support/catalog.ts";
import { createTestDatabase, describeDatabases, type TestDatabase } from "../support/databases.ts";

describe("checkout messages", () => {
  test("are the spec's", () => {
    expect(checkoutMessages).toEqual({
      outOfStock: "Your cart has out-of-stock shoes",
      empty: "Your cart is empty",
      failed: "Your purchase could not be completed",
    });
  });
});

describeDatabases("checkout", (kind) => {
  let t: TestDatabase;
  let hop: InsertedProduct;
  let breezy: InsertedProduct;
  let unreleased: InsertedProduct;
  let inventory: Inventory;
  let committed: Committed[];
  let pubsub: PubSub;
  let checkout: Checkout;
  let cartId: string;
  let ids = 0;
  let cartEvents: string[];

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    hop = await insertProduct(t.database.db, { price: 120, stock: { "9": 300, "9.5": 0, "10": 1 } });
    breezy = await insertProduct(t.database.db, { price: 140, stock: { "6": 40, "7": 2 } });
    unreleased = await insertProduct(t.database.db, { released: false, stock: { "11": 10 } });
  });
  afterAll(() => t?.drop());

  beforeEach(async () => {
    pubsub = new PubSub();
    inventory = await startInventory(t.database, pubsub);
    committed = recordCommitted(pubsub);
    checkout = new Checkout({ db: t.database.db, inventory, pubsub });
    cartId = `checkout-${kind}-${++ids}`;
    cartEvents = [];
    pubsub.subscribe(cartTopic(cartId), { deliver: (message) => cartEvents.push(message.event) });
  });
  afterEach(() => inventory.stop());

  const cartSize = async (id = cartId) => (await t.database.db.select().from(cartItems).where(eq(cartItems.cartId, id))).length;
  const ordersOf = (id = cartId) => t.database.db.select().from(orders).where(eq(orders.cartId, id));

  test("buys every item: order with the prices paid, stock decremented, cart emptied, then published", async () => {
    const db = t.database.db;
    const before = [await stockOf(db, hop.items["9"]!), await stockOf(db, breezy.items["6"]!)];
    await fillCart(db, cartId, [hop.items["9"]!, breezy.items["6"]!]);
    const result = await checkout.purchase(cartId);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.order).toMatchObject({ cartId, total: 260 });
    expect(result.order.items).toEqual([
      { itemId: hop.items["9"], productId: hop.productId, brand: "Brand", name: expect.any(String), color: "black", size: "9", price: 120 },
      { itemId: breezy.items["6"], productId: breezy.productId, brand: "Brand", name: expect.any(String), color: "black", size: "6", price: 140 },
    ]);
    expect([await stockOf(db, hop.items["9"]!), await stockOf(db, breezy.items["6"]!)]).toEqual([before[0]! - 1, before[1]! - 1]);
    const written = await db.select().from(orderItems).where(eq(orderItems.orderId, result.order.id));
    expect(written.map((row) => [row.itemId, row.price])).toEqual([
      [hop.items["9"], 120],
      [breezy.items["6"], 140],
    ]);
    expect(await cartSize()).toBe(0);
    expect(committed).toEqual([{ items: [hop.items["9"], breezy.items["6"]] }]);
    expect(inventory.item(hop.items["9"]!)!.count).toBe(before[0]! - 1);
    expect(cartEvents).toEqual(["changed"]);
    expect(await checkout.order(cartId, result.order.id)).toEqual(result.order);
    expect(await checkout.order("someone-else", result.order.id)).toBeNull();
  });

  test("publishes only once the purchase is visible to other connections", async () => {
    const db = t.database.db;
    await fillCart(db, cartId, [breezy.items["6"]!]);
    const seenAtPublish: Promise<number>[] = [];
    pubsub.subscribe(cartTopic(cartId), { deliver: () => seenAtPublish.push(cartSize()) });
    expect((await checkout.purchase(cartId)).ok).toBe(true);
    expect(await Promise.all(seenAtPublish)).toEqual([0]);
  });

  test("an empty cart, or no cart at all, is refused", async () => {
    expect(await checkout.purchase(cartId)).toEqual({ ok: false, reason: "empty", message: "Your cart is empty", itemIds: [] });
    await fillCart(t.database.db, cartId, []);
    expect(await checkout.purchase(cartId)).toMatchObject({ ok: false, reason: "empty", message: "Your cart is empty" });
    expect(cartEvents).toEqual([]);
    expect(committed).toEqual([]);
  });

  test("one sold-out item rolls the whole purchase back and publishes nothing", async () => {
    const db = t.database.db;
    const stock = await stockOf(db, breezy.items["6"]!);
    await fillCart(db, cartId, [breezy.items["6"]!, hop.items["9.5"]!]);
    expect(await checkout.purchase(cartId)).toEqual({ ok: false, reason: "out-of-stock", message: "Your cart has out-of-stock shoes", itemIds: [hop.items["9.5"]] });
    expect(await stockOf(db, breezy.items["6"]!)).toBe(stock);
    expect(await ordersOf()).toEqual([]);
    expect(await cartSize()).toBe(2);
    expect(cartEvents).toEqual([]);
    expect(committed).toEqual([]);
  });

  test("an unreleased item is refused", async () => {
    await fillCart(t.database.db, cartId, [unreleased.items["11"]!]);
    expect(await checkout.purchase(cartId)).toEqual({ ok: false, reason: "unreleased", message: "Your purchase could not be completed", itemIds: [unreleased.items["11"]] });
    expect(await stockOf(t.database.db, unreleased.items["11"]!)).toBe(10);
    expect(cartEvents).toEqual([]);
  });

  test("the last unit goes to exactly one of two carts buying at once", async () => {
    const db = t.database.db;
    await fillCart(db, `${cartId}-a`, [hop.items["10"]!]);
    await fillCart(db, `${cartId}-b`, [hop.items["10"]!]);
    const results = await Promise.all([checkout.purchase(`${cartId}-a`), checkout.purchase(`${cartId}-b`)]);
    expect(results.map((r) => (r.ok ? "ok" : r.reason)).sort()).toEqual(["ok", "out-of-stock"]);
    expect(await stockOf(db, hop.items["10"]!)).toBe(0);
  });

  test("two carts sharing two scarce items in opposite orders neither deadlock nor split", async () => {
    const db = t.database.db;
    const a = breezy.items["7"]!;
    const b = hop.items["9"]!;
    const stockB = await stockOf(db, b);
    const carts = ["x", "y", "z"].map((suffix) => `${cartId}-${suffix}`);
    await fillCart(db, carts[0]!, [a, b]);
    await fillCart(db, carts[1]!, [b, a]);
    await fillCart(db, carts[2]!, [a]);
    const results = await Promise.all(carts.map((id) => checkout.purchase(id)));
    const ok = results.filter((r) => r.ok).length;
    expect(ok).toBe(2);
    expect(await stockOf(db, a)).toBe(0);
    const sold = (results[0]!.ok ? 1 : 0) + (results[1]!.ok ? 1 : 0);
    expect(await stockOf(db, b)).toBe(stockB - sold);
  });

  test("a database failure is a typed refusal and publishes nothing", async () => {
    const broken = await createTestDatabase(kind);
    const brokenCheckout = new Checkout({ db: broken.database.db, inventory, pubsub });
    await broken.drop();
    expect(await brokenCheckout.purchase(cartId)).toMatchObject({
      ok: false,
      reason: "failed",
      message: "Your purchase could not be completed",
      error: { code: "STORE_ERR_DB_UNAVAILABLE" },
    });
    expect(cartEvents).toEqual([]);
    expect(committed).toEqual([]);
  });
});
