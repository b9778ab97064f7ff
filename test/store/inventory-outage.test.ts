// A lost database, on the real PostgreSQL: the store connects as a role of its own, which the
// test cuts off (NOLOGIN, connections terminated) and lets back in — the shared server keeps
// running. Reads go on from memory, writes fail with STORE_ERR_DB_UNAVAILABLE, and the inventory
// reloads by itself when the database is back, with what changed meanwhile.

import { eq } from "drizzle-orm";
import postgres from "postgres";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { openDatabase, type Database } from "../../src/store/database.ts";
import { StoreError } from "../../src/store/errors.ts";
import { INVENTORY_TOPIC, type InventoryEvent } from "../../src/store/events.ts";
import { Inventory } from "../../src/store/inventory.ts";
import { itemAvailabilities, products } from "../../src/store/schema.ts";
import { seed } from "../../src/store/seed.ts";
import { randomId } from "../../src/switchboard/token.ts";
import { PubSub } from "../../src/switchboard/pubsub.ts";
import { createTestDatabase, hasPostgres, postgresUrl, type TestDatabase } from "../support/databases.ts";

interface LogLine {
  level: string;
  obj: unknown;
  msg?: string;
}

describe.skipIf(!hasPostgres)("inventory when the database is lost [postgres]", () => {
  let t: TestDatabase;
  let admin: postgres.Sql;
  let role: string;
  let database: Database;
  let inventory: Inventory | null = null;
  let pubsub: PubSub;
  let events: InventoryEvent[];
  let logs: LogLine[];

  beforeEach(async () => {
    t = await createTestDatabase("postgres");
    await seed(t.database.db, { seed: 23 });
    admin = postgres(postgresUrl, { max: 1, onnotice: () => {} });
    role = `sb_outage_${randomId(6).toLowerCase().replace(/[^a-z0-9]/g, "")}`;
    await admin.unsafe(`create role "${role}" login`);
    // Grants live in the test database; they go when it is dropped.
    await t.database.sql!.unsafe(`grant select, insert, update, delete on all tables in schema public to "${role}"; grant usage, select on all sequences in schema public to "${role}"`);
    const url = new URL(t.url!);
    url.username = role;
    url.password = "";
    database = await openDatabase({ url: url.toString(), poolSize: 4 });
    pubsub = new PubSub();
    events = [];
    pubsub.subscribe(INVENTORY_TOPIC, { deliver: (m) => void events.push(m.payload as InventoryEvent) });
    logs = [];
  });

  afterEach(async () => {
    await inventory?.stop();
    inventory = null;
    // Not close(): after a terminated connection postgres.js's graceful end waits out its timeout
    // (porsager/postgres#1130), so end at once.
    await database?.sql?.end({ timeout: 0 });
    await t?.drop();
    await admin.unsafe(`drop role if exists "${role}"`);
    await admin.end({ timeout: 2 });
  });

  const record = (level: string) => (obj: unknown, msg?: string) => void logs.push({ level, obj, msg });
  const start = async () =>
    (inventory = await Inventory.start({
      database,
      pubsub,
      retry: { minMs: 50, maxMs: 200 },
      log: { info: record("info"), warn: record("warn"), error: record("error"), debug: record("debug") },
    }));

  async function cutOff(): Promise<void> {
    await admin.unsafe(`alter role "${role}" nologin`);
    await admin`select pg_terminate_backend(pid) from pg_stat_activity where usename = ${role}`;
  }
  const letIn = () => admin.unsafe(`alter role "${role}" login`);

  test("reads go on from memory, writes fail clearly, and it reloads by itself when the database is back", async () => {
    await start();
    const before = inventory!.products();
    const itemId = before[0]!.items.find((item) => item.count > 0)!.id;
    expect(await inventory!.sell(itemId)).toBe(true);
    const afterSale = inventory!.products();

    await cutOff();
    expect(inventory!.products()).toBe(afterSale);
    expect(inventory!.item(itemId)?.count).toBe(before[0]!.items.find((item) => item.id === itemId)!.count - 1);

    const failure = await inventory!.release(1).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StoreError);
    expect(failure).toMatchObject({ code: "STORE_ERR_DB_UNAVAILABLE", shopperMessage: "The store is busy right now. Please try again in a moment." });
    expect((failure as Error).message).toMatch(/^STORE_ERR_DB_UNAVAILABLE: Could not release the product: the store's database cannot be reached/);
    expect((failure as Error).message).not.toMatch(/update "products"/);
    await expect(inventory!.sell(itemId)).rejects.toMatchObject({ code: "STORE_ERR_DB_UNAVAILABLE" });
    await expect(inventory!.schedule(2, new Date(Date.now() + 60_000))).rejects.toMatchObject({ code: "STORE_ERR_DB_UNAVAILABLE" });
    expect(inventory!.available).toBe(false);
    // Still serving, unchanged.
    expect(inventory!.products()).toBe(afterSale);
    expect(inventory!.product(1)?.released).toBe(false);

    // Meanwhile, the operator changes things directly (no announcement reaches this node).
    await t.database.db.update(products).set({ released: true }).where(eq(products.id, 2));
    await t.database.db.update(itemAvailabilities).set({ availableCount: 0 }).where(eq(itemAvailabilities.itemId, itemId));
    await new Promise((resolve) => setTimeout(resolve, 300)); // several failed attempts
    expect(events).toEqual([]);

    await letIn();
    await vi.waitFor(() => expect(events).toEqual([{ type: "reloaded" }]), { timeout: 10_000, interval: 25 });
    expect(inventory!.available).toBe(true);
    expect(inventory!.product(2)?.released).toBe(true);
    expect(inventory!.item(itemId)).toMatchObject({ count: 0, level: "out" });
    expect(inventory!.products()[0]!.items.filter((item) => item.id !== itemId).every((item, i) => item === afterSale[0]!.items.filter((it) => it.id !== itemId)[i])).toBe(true);
    // The outage was logged once, with its code, and the recovery too.
    expect(logs.filter((l) => l.level === "warn" || l.level === "error")).toHaveLength(2);
    expect(logs.some((l) => (l.obj as { code?: string }).code === "STORE_ERR_DB_UNAVAILABLE")).toBe(true);
    expect(logs.some((l) => l.level === "info" && /came back/.test(l.msg ?? ""))).toBe(true);

    // Writes work again.
    expect(await inventory!.release(1)).toBe("released");
    expect(inventory!.product(1)?.released).toBe(true);
  });

  test("a failed first load leaves it empty, retrying until the database lets it in", async () => {
    await cutOff();
    await start();
    expect(inventory!.loaded).toBe(false);
    expect(inventory!.available).toBe(false);
    expect(inventory!.products()).toEqual([]);
    await expect(inventory!.sell(1)).rejects.toMatchObject({ code: "STORE_ERR_DB_UNAVAILABLE" });

    await letIn();
    await vi.waitFor(() => expect(inventory!.loaded).toBe(true), { timeout: 10_000, interval: 25 });
    expect(events).toEqual([{ type: "reloaded" }]);
    expect(inventory!.products().map((p) => p.sku)).toEqual(["SHU6000", "SHU6100"]);
  });

  test("an announced change it cannot re-read makes it reload once the database is back", async () => {
    await start();
    await cutOff();
    await t.database.db.update(itemAvailabilities).set({ availableCount: 7 }).where(eq(itemAvailabilities.itemId, 3));
    await inventory!.committed({ items: [3] }); // another node's checkout, say
    expect(inventory!.available).toBe(false);
    expect(inventory!.item(3)?.count).not.toBe(7);
    await letIn();
    await vi.waitFor(() => expect(inventory!.item(3)?.count).toBe(7), { timeout: 10_000, interval: 25 });
    expect(events).toEqual([{ type: "reloaded" }]);
  });
});
