// The sales meter: units per second in a ring of one-second buckets and the total, fed by the
// inventory's re-reads on both drivers — so sales from a checkout, the simulator or another node
// all count, a restock counts nothing, and a sale wakes no page on the inventory's topic.

import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { COMMITTED_TOPIC, INVENTORY_TOPIC, SALES_TOPIC, type Sales } from "../../src/store/events.ts";
import type { Inventory } from "../../src/store/inventory.ts";
import { SalesMeter } from "../../src/store/sales.ts";
import { itemAvailabilities } from "../../src/store/schema.ts";
import { simulateSales } from "../../src/store/simulator.ts";
import { PubSub, type Message } from "../../src/switchboard/pubsub.ts";
import { insertProduct, startInventory } from "../support/catalog.ts";
import { createTestDatabase, describeDatabases, type TestDatabase } from "../support/databases.ts";

const T0 = Date.UTC(2030, 0, 1, 12, 0, 0); // a whole second
const at = (seconds: number, ms = 0) => T0 + seconds * 1000 + ms;
const sum = (series: readonly number[]) => series.reduce((a, b) => a + b, 0);

describe("SalesMeter", () => {
  test("counts units per second, oldest first, the last entry being the current second", () => {
    const meter = new SalesMeter(new PubSub(), { seconds: 5 });
    meter.record(2, at(0, 100));
    meter.record(3, at(0, 900));
    meter.record(1, at(2, 500));
    expect(meter.series(at(2, 999))).toEqual([0, 0, 5, 0, 1]);
    expect(meter.total).toBe(6);
    expect(new SalesMeter(new PubSub()).series(T0)).toHaveLength(120);
  });

  test("the window slides: seconds older than it drop out of the series, not out of the total", () => {
    const meter = new SalesMeter(new PubSub(), { seconds: 3 });
    meter.record(4, at(0));
    meter.record(5, at(1));
    expect(meter.series(at(2))).toEqual([4, 5, 0]);
    expect(meter.series(at(3))).toEqual([5, 0, 0]);
    expect(meter.series(at(4))).toEqual([0, 0, 0]);
    expect(meter.total).toBe(9);
  });

  test("a ring: a second that reuses an old slot starts from 0", () => {
    const meter = new SalesMeter(new PubSub(), { seconds: 3 });
    meter.record(7, at(0));
    meter.record(1, at(3)); // the same slot as second 0
    expect(meter.series(at(3))).toEqual([0, 0, 1]);
    meter.record(2, at(4));
    meter.record(1, at(9));
    expect(meter.series(at(9))).toEqual([0, 0, 1]);
    expect(meter.total).toBe(11);
  });

  test("a late report for a second already out of the window counts in the total only", () => {
    const meter = new SalesMeter(new PubSub(), { seconds: 3 });
    meter.record(1, at(10));
    meter.record(8, at(2)); // would land in second 8's slot if it were not refused
    expect(meter.series(at(10))).toEqual([0, 0, 1]);
    expect(meter.total).toBe(9);
    meter.record(2, at(9)); // late but inside the window
    expect(meter.series(at(10))).toEqual([0, 2, 1]);
  });

  test("nothing, negative or not-a-number units count nothing", () => {
    const meter = new SalesMeter(new PubSub(), { seconds: 2 });
    for (const units of [0, -3, Number.NaN, Infinity]) meter.record(units, at(0));
    meter.record(1, Number.NaN);
    expect(meter.series(at(0))).toEqual([0, 0]);
    expect(meter.total).toBe(0);
  });

  test("refuses a window that is not a whole number of seconds", () => {
    for (const seconds of [0, -1, 1.5, Number.NaN]) expect(() => new SalesMeter(new PubSub(), { seconds })).toThrow(RangeError);
  });

  test("counts what arrives on SALES_TOPIC while started, once however often started", () => {
    const pubsub = new PubSub();
    const meter = new SalesMeter(pubsub, { seconds: 2 }).start().start();
    expect(pubsub.subscriberCount(SALES_TOPIC)).toBe(1);
    pubsub.broadcast(SALES_TOPIC, "sold", { units: 3, at: at(0) } satisfies Sales);
    pubsub.broadcast(SALES_TOPIC, "sold", { units: "lots", at: at(0) });
    pubsub.broadcast(SALES_TOPIC, "sold", null);
    expect(meter.series(at(0))).toEqual([0, 3]);
    meter.stop();
    expect(pubsub.subscriberCount(SALES_TOPIC)).toBe(0);
    pubsub.broadcast(SALES_TOPIC, "sold", { units: 5, at: at(0) } satisfies Sales);
    expect(meter.total).toBe(3);
  });
});

/** Two nodes' PubSubs joined like a cluster adapter: COMMITTED_TOPIC crosses, node-local topics don't. */
function bridge(a: PubSub, b: PubSub): void {
  const toB = { deliver: (m: Message) => b.deliverLocal(m, fromA) };
  const fromA = { deliver: (m: Message) => a.deliverLocal(m, toB) };
  a.subscribe(COMMITTED_TOPIC, toB);
  b.subscribe(COMMITTED_TOPIC, fromA);
}

describeDatabases("sales meter on the inventory", (kind) => {
  let t: TestDatabase;
  const started: Inventory[] = [];
  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterEach(async () => {
    for (const inventory of started.splice(0)) await inventory.stop();
  });
  afterAll(() => t?.drop());

  async function node() {
    const pubsub = new PubSub();
    const meter = new SalesMeter(pubsub).start();
    const inventory = await startInventory(t.database, pubsub);
    started.push(inventory);
    const pages: unknown[] = [];
    pubsub.subscribe(INVENTORY_TOPIC, { deliver: (m) => void pages.push(m.payload) });
    return { pubsub, meter, inventory, pages };
  }

  test("a sale counts once, on INVENTORY_TOPIC only when a level changes; a restock counts nothing", async () => {
    // Unreleased, so the simulator of the next test leaves it alone (a sale does not check).
    const shoe = await insertProduct(t.database.db, { released: false, stock: { "8": 900, "9": 2 } });
    const [eight, nine] = [shoe.items["8"]!, shoe.items["9"]!];
    const { meter, inventory, pages } = await node();
    expect(await inventory.sell(eight)).toBe(true);
    expect(meter.total).toBe(1);
    expect(sum(meter.series(Date.now()))).toBe(1);
    expect(await inventory.sell(nine)).toBe(true); // 2 → 1: still "low"
    expect(pages).toEqual([]); // no page woke for either sale
    expect(await inventory.sell(nine)).toBe(true); // 1 → 0: "out", which pages hear
    expect(pages).toEqual([expect.objectContaining({ type: "level", itemId: nine, level: "out" })]);
    expect(meter.total).toBe(3);
    // A restock raises the count: re-read, but nothing sold.
    await t.database.db.update(itemAvailabilities).set({ availableCount: 950 }).where(eq(itemAvailabilities.itemId, eight));
    await inventory.committed({ items: [eight] });
    expect(inventory.item(eight)!.count).toBe(950);
    expect(meter.total).toBe(3);
    expect(sum(meter.series(Date.now()))).toBe(3);
  });

  test("sales made by the simulator and on another node count on this node", async () => {
    const shoe = await insertProduct(t.database.db, { stock: { "10": 6, "11": 4 } });
    const here = await node();
    const there = await node();
    bridge(here.pubsub, there.pubsub);
    const totals = await simulateSales({ db: t.database.db, inventory: there.inventory, perTick: 5, tickMs: 0, log: () => {} });
    expect(totals.sales).toBe(10);
    await here.inventory.settled();
    expect(here.inventory.item(shoe.items["10"]!)!.count).toBe(0);
    expect(here.meter.total).toBe(10);
    expect(there.meter.total).toBe(10);
  });
});
