// The in-memory inventory on both drivers: loaded at start, read without the database, changed
// by release/schedule/sale, re-read after every commit on every node, and telling pages only
// what shoppers would see change.

import { eq, sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, afterEach, beforeAll, beforeEach, expect, test, vi } from "vitest";
import { StoreError } from "../../src/store/errors.ts";
import { COMMITTED_TOPIC, INVENTORY_CHANGES_TOPIC, INVENTORY_TOPIC, type Committed, type InventoryChanges, type InventoryEvent } from "../../src/store/events.ts";
import { Inventory, type InventoryOptions } from "../../src/store/inventory.ts";
import { itemAvailabilities, items, products } from "../../src/store/schema.ts";
import { catalog, seed } from "../../src/store/seed.ts";
import { PubSub, type Message } from "../../src/switchboard/pubsub.ts";
import { createTestDatabase, describeDatabases, type TestDatabase } from "../support/databases.ts";

const SEED = 23;
const silent = { info() {}, debug() {}, warn() {}, error() {} };

/** Every payload delivered on `topic`, in order. */
function collect<T>(pubsub: PubSub, topic: string): T[] {
  const seen: T[] = [];
  pubsub.subscribe(topic, { deliver: (m: Message) => void seen.push(m.payload as T) });
  return seen;
}

/** Two nodes' PubSubs joined like a cluster adapter: COMMITTED_TOPIC crosses, node-local topics don't. */
function bridge(a: PubSub, b: PubSub): void {
  const toB = { deliver: (m: Message) => b.deliverLocal(m, fromA) };
  const fromA = { deliver: (m: Message) => a.deliverLocal(m, toB) };
  a.subscribe(COMMITTED_TOPIC, toB);
  b.subscribe(COMMITTED_TOPIC, fromA);
}

describeDatabases("inventory", (kind) => {
  let t: TestDatabase;
  const started: Inventory[] = [];

  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(() => t?.drop());
  beforeEach(() => seed(t.database.db, { seed: SEED }));
  afterEach(async () => {
    await Promise.all(started.splice(0).map((inventory) => inventory.stop()));
  });

  async function start(options: Partial<InventoryOptions> = {}): Promise<Inventory> {
    const inventory = await Inventory.start({ database: t.database, pubsub: new PubSub(), log: silent, ...options });
    started.push(inventory);
    return inventory;
  }

  const setCount = (itemId: number, availableCount: number) => t.database.db.update(itemAvailabilities).set({ availableCount }).where(eq(itemAvailabilities.itemId, itemId));

  test("loads every product in display order, with its sizes, counts and levels", async () => {
    await t.database.db.update(products).set({ order: -1 }).where(eq(products.sku, "SHU6100"));
    const inventory = await start();
    expect(inventory.loaded).toBe(true);
    expect(inventory.available).toBe(true);
    const expected = catalog({ seed: SEED });
    expect(inventory.products().map((p) => p.sku)).toEqual(["SHU6100", "SHU6000"]);
    const hopMan = inventory.products()[1]!;
    expect(hopMan).toMatchObject({ id: 1, brand: "Snks 23", name: "Hop Man 3", color: "yellow/blue", price: 120, mainImageUrl: "/images/hopman.png", released: false, releaseAt: null });
    expect(hopMan.items.map((i) => [i.sku, i.size, i.count])).toEqual(expected[0]!.items.map((i) => [i.sku, i.size, i.availableCount]));
    const item = hopMan.items[0]!;
    expect(inventory.item(item.id)).toBe(item);
    expect(inventory.product(1)).toBe(hopMan);
    expect(inventory.level(item.id)).toBe(item.level);
    expect(inventory.item(9999)).toBeUndefined();
    expect(inventory.product(9999)).toBeUndefined();
    expect(Object.isFrozen(hopMan) && Object.isFrozen(hopMan.items) && Object.isFrozen(item) && Object.isFrozen(inventory.products())).toBe(true);
  });

  test("reads never touch the database: they go on after it is closed", async () => {
    const own = await createTestDatabase(kind);
    try {
      await seed(own.database.db, { seed: SEED });
      const inventory = await Inventory.start({ database: own.database, pubsub: new PubSub(), log: silent });
      await own.database.close();
      expect(inventory.products()).toHaveLength(2);
      expect(inventory.item(1)?.sku).toBe("SHU6001");
      expect(inventory.product(2)?.items).toHaveLength(13);
      await expect(inventory.release(1)).rejects.toMatchObject({ code: "STORE_ERR_DB_UNAVAILABLE" });
      expect(inventory.products()).toHaveLength(2);
      await inventory.stop();
    } finally {
      if (kind === "postgres") await own.drop(); // PGlite's drop is the close above
    }
  });

  test("release commits, then announces; memory and every page see the released product", async () => {
    const bus = new PubSub();
    const inventory = await start({ pubsub: bus });
    // Another connection, at the moment of the announcement, already sees the commit.
    const reader = t.url ? postgres(t.url, { max: 1, onnotice: () => {} }) : null;
    const releasedInDatabase: Promise<boolean>[] = [];
    bus.subscribe(COMMITTED_TOPIC, {
      deliver: () =>
        void releasedInDatabase.push(
          reader
            ? reader`select released from products where id = 1`.then((rows) => rows[0]!.released as boolean)
            : t.database.db.select({ released: products.released }).from(products).where(eq(products.id, 1)).then((rows) => rows[0]!.released),
        ),
    });
    const events = collect<InventoryEvent>(bus, INVENTORY_TOPIC);
    const seenByPages: boolean[] = [];
    for (let page = 0; page < 3; page++) bus.subscribe(INVENTORY_TOPIC, { deliver: () => void seenByPages.push(inventory.product(1)!.released) });
    const before = inventory.products();
    try {
      expect(await inventory.release(1)).toBe("released");
      expect(await Promise.all(releasedInDatabase)).toEqual([true]);
    } finally {
      await reader?.end({ timeout: 1 });
    }
    expect(inventory.product(1)!.released).toBe(true);
    expect(inventory.product(1)!.items.every((item) => item.released)).toBe(true);
    expect(inventory.products()).not.toBe(before);
    expect(inventory.products()[1]).toBe(before[1]);
    expect(events).toEqual([{ type: "released", productId: 1 }]);
    expect(seenByPages).toEqual([true, true, true]);
  });

  test("one re-read that moves several levels tells pages once, with every change", async () => {
    const bus = new PubSub();
    const inventory = await start({ pubsub: bus });
    await inventory.release(1);
    const events = collect<InventoryEvent>(bus, INVENTORY_TOPIC);
    const batches = collect<InventoryChanges>(bus, INVENTORY_CHANGES_TOPIC);
    const ids = inventory.product(1)!.items.slice(0, 3).map((item) => item.id);
    for (const id of ids) await setCount(id, 0);
    await inventory.committed({ items: ids });
    expect(events.map((event) => event.type)).toEqual(["level", "level", "level"]);
    expect(batches).toHaveLength(1);
    expect(batches[0]!.events).toEqual(events);
    expect(ids.every((id) => inventory.item(id)!.level === "out")).toBe(true);
  });

  test("releasing a released product changes and announces nothing; an unknown one is refused", async () => {
    const bus = new PubSub();
    const inventory = await start({ pubsub: bus });
    const committed = collect<Committed>(bus, COMMITTED_TOPIC);
    expect(await inventory.release(2)).toBe("released");
    expect(await inventory.release(2)).toBe("already");
    expect(committed).toEqual([{ products: [2] }]);
    await expect(inventory.release(999)).rejects.toMatchObject({ code: "STORE_ERR_UNKNOWN_PRODUCT" });
    await expect(inventory.release("1" as never)).rejects.toBeInstanceOf(StoreError);
    await expect(inventory.sell(999)).rejects.toMatchObject({ code: "STORE_ERR_UNKNOWN_ITEM" });
  });

  test("two nodes on one database converge after a release and after sales", async () => {
    const busA = new PubSub();
    const busB = new PubSub();
    bridge(busA, busB);
    const a = await start({ pubsub: busA });
    const b = await start({ pubsub: busB });
    const eventsB = collect<InventoryEvent>(busB, INVENTORY_TOPIC);

    await a.release(1);
    await b.settled();
    expect(b.product(1)!.released).toBe(true);
    expect(eventsB).toContainEqual({ type: "released", productId: 1 });

    const itemId = a.product(1)!.items.find((item) => item.count > 0)!.id;
    await setCount(itemId, 40);
    await a.committed({ items: [itemId] });
    const sales = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).sell(itemId)));
    expect(sales.filter(Boolean)).toHaveLength(30);
    await Promise.all([a.settled(), b.settled()]);
    const [row] = await t.database.db.select({ n: itemAvailabilities.availableCount }).from(itemAvailabilities).where(eq(itemAvailabilities.itemId, itemId));
    expect(row!.n).toBe(10);
    expect(a.item(itemId)!.count).toBe(10);
    expect(b.item(itemId)!.count).toBe(10);
    expect(a.products()).toEqual(b.products());
  });

  test("a sale never takes stock below 0", async () => {
    const inventory = await start();
    await setCount(1, 3);
    const sales = await Promise.all(Array.from({ length: 10 }, () => inventory.sell(1)));
    expect(sales.filter(Boolean)).toHaveLength(3);
    await inventory.settled();
    expect(inventory.item(1)).toMatchObject({ count: 0, level: "out" });
    expect(await inventory.sell(1)).toBe(false);
  });

  test("a level event only when the level changes, but always when an item is out", async () => {
    const bus = new PubSub();
    const inventory = await start({ pubsub: bus });
    await setCount(1, 151);
    await setCount(2, 0);
    await inventory.committed({ items: [1, 2] });
    const events = collect<InventoryEvent>(bus, INVENTORY_TOPIC);
    const levels = () => events.filter((e) => e.type === "level").map((e) => e.type === "level" && [e.itemId, e.previous, e.level]);

    await inventory.sell(1); // 150: still medium
    expect(levels()).toEqual([]);
    await inventory.sell(1); // 149: low
    expect(levels()).toEqual([[1, "medium", "low"]]);
    await setCount(1, 1);
    await inventory.committed({ items: [1] }); // 1: still low
    expect(levels()).toEqual([[1, "medium", "low"]]);
    await inventory.sell(1); // 0: out
    expect(levels()).toEqual([
      [1, "medium", "low"],
      [1, "low", "out"],
    ]);
    await inventory.committed({ items: [2] }); // out again: never missed
    expect(levels()).toEqual([
      [1, "medium", "low"],
      [1, "low", "out"],
      [2, "out", "out"],
    ]);
    expect(events.find((e) => e.type === "level")).toEqual({ type: "level", productId: 1, itemId: 1, level: "low", previous: "medium" });
  });

  test("a change replaces only the changed item, its product and the products array", async () => {
    const inventory = await start();
    const before = inventory.products();
    const [hopMan, breezy] = before as [(typeof before)[0], (typeof before)[0]];
    const sold = hopMan.items.find((item) => item.count > 0)!;
    await inventory.sell(sold.id);

    const after = inventory.products();
    expect(after).not.toBe(before);
    expect(after[1]).toBe(breezy);
    expect(after[0]).not.toBe(hopMan);
    expect(after[0]!.items).not.toBe(hopMan.items);
    after[0]!.items.forEach((item, i) => (item.id === sold.id ? expect(item).toMatchObject({ count: sold.count - 1 }) : expect(item).toBe(hopMan.items[i])));
    expect(inventory.item(sold.id)).toBe(after[0]!.items.find((item) => item.id === sold.id));

    // Re-reading rows that did not change replaces nothing.
    await inventory.committed({ products: [2], items: [hopMan.items[0]!.id] });
    expect(inventory.products()).toBe(after);

    // A reload keeps every unchanged object too.
    await inventory.reload();
    expect(inventory.products()).toBe(after);
  });

  test("a scheduled release fires at release_at, on every node once", async () => {
    const busA = new PubSub();
    const busB = new PubSub();
    bridge(busA, busB);
    const a = await start({ pubsub: busA });
    const b = await start({ pubsub: busB });
    const committed = collect<Committed>(busA, COMMITTED_TOPIC);
    const events = collect<InventoryEvent>(busB, INVENTORY_TOPIC);
    const at = new Date(Date.now() + 400);

    await a.schedule(1, at);
    await b.settled();
    expect(b.product(1)).toMatchObject({ released: false, releaseAt: at.toISOString() });
    expect(events).toEqual([{ type: "scheduled", productId: 1, releaseAt: at.toISOString() }]);

    await vi.waitFor(() => expect(b.product(1)!.released).toBe(true), { timeout: 5000, interval: 20 });
    expect(Date.now()).toBeGreaterThanOrEqual(at.getTime());
    expect(a.product(1)!.released).toBe(true);
    expect(events).toEqual([
      { type: "scheduled", productId: 1, releaseAt: at.toISOString() },
      { type: "released", productId: 1 },
    ]);
    // Both nodes' timers fired; the conditional release let one of them through.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(committed.filter((c) => c.products?.includes(1))).toHaveLength(2); // the schedule, then one release
  });

  test("a cleared schedule cancels the release", async () => {
    const bus = new PubSub();
    const inventory = await start({ pubsub: bus });
    const events = collect<InventoryEvent>(bus, INVENTORY_TOPIC);
    await inventory.schedule(1, new Date(Date.now() + 300));
    await inventory.schedule(1, null);
    expect(events.at(-1)).toEqual({ type: "scheduled", productId: 1, releaseAt: null });
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(inventory.product(1)).toMatchObject({ released: false, releaseAt: null });
    const [row] = await t.database.db.select({ released: products.released }).from(products).where(eq(products.id, 1));
    expect(row!.released).toBe(false);
  });

  test("a past-due schedule is released on start", async () => {
    await t.database.db.update(products).set({ releaseAt: sql`now() - interval '1 minute'` }).where(eq(products.id, 2));
    const bus = new PubSub();
    const events = collect<InventoryEvent>(bus, INVENTORY_TOPIC);
    const inventory = await start({ pubsub: bus });
    await vi.waitFor(() => expect(inventory.product(2)!.released).toBe(true), { timeout: 5000, interval: 20 });
    expect(events).toEqual([{ type: "released", productId: 2 }]);
    expect(inventory.product(1)!.released).toBe(false);
  });

  test("scheduling refuses bad times and released products", async () => {
    const inventory = await start();
    await expect(inventory.schedule(1, "not a time")).rejects.toMatchObject({ code: "STORE_ERR_RELEASE_AT" });
    await expect(inventory.schedule(99, new Date())).rejects.toMatchObject({ code: "STORE_ERR_UNKNOWN_PRODUCT" });
    await inventory.release(1);
    await expect(inventory.schedule(1, new Date(Date.now() + 60_000))).rejects.toMatchObject({ code: "STORE_ERR_ALREADY_RELEASED" });
    await expect(inventory.schedule(1, null)).resolves.toBeUndefined();
  });

  test("malformed announcements from other nodes are ignored", async () => {
    const bus = new PubSub({ onError: (error) => void errors.push(error) });
    const errors: unknown[] = [];
    const inventory = await start({ pubsub: bus });
    const before = inventory.products();
    for (const payload of [null, "x", { items: "1" }, { products: [1.5, -1, "2", null] }, { items: [{ id: 1 }] }]) bus.broadcast(COMMITTED_TOPIC, "committed", payload);
    await inventory.settled();
    expect(errors).toEqual([]);
    expect(inventory.products()).toBe(before);
  });

  test("a row it does not know makes it load everything and say so", async () => {
    const bus = new PubSub();
    const inventory = await start({ pubsub: bus });
    const events = collect<InventoryEvent>(bus, INVENTORY_TOPIC);
    const [product] = await t.database.db.insert(products).values({ sku: "SHU9000", order: 5, brand: "Kestrel", name: "Volt Dash 2", color: "volt", price: 95, mainImageUrl: "/images/shoe-1.png" }).returning();
    const [item] = await t.database.db.insert(items).values({ sku: "SHU9001", size: "9", productId: product!.id }).returning();
    await t.database.db.insert(itemAvailabilities).values({ itemId: item!.id, availableCount: 120 });
    inventory.committed({ products: [product!.id], items: [item!.id] });
    await inventory.settled();
    expect(inventory.products().map((p) => p.sku)).toEqual(["SHU6000", "SHU6100", "SHU9000"]);
    expect(inventory.item(item!.id)).toMatchObject({ size: "9", count: 120, level: "low", released: false });
    expect(events).toEqual([{ type: "reloaded" }]);
  });
});
