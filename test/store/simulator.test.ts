// The sales simulator on both drivers: sells released sizes until they are sold out, never
// below 0, announces each tick's sales after they commit, paces its ticks, and stops when aborted.

import { afterAll, beforeAll, expect, test } from "vitest";
import type { Committed } from "../../src/store/events.ts";
import { simulateSales } from "../../src/store/simulator.ts";
import { insertProduct, stockOf } from "../support/catalog.ts";
import { createTestDatabase, describeDatabases, type TestDatabase } from "../support/databases.ts";

describeDatabases("sales simulator", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(() => t?.drop());

  function recorder() {
    const changes: Committed[] = [];
    return { changes, inventory: { committed: async (change: Committed) => void changes.push(change) } };
  }

  test("sells every released size down to 0, leaving unreleased stock alone, and reports totals", async () => {
    const db = t.database.db;
    const shoe = await insertProduct(db, { stock: { "6": 3, "7": 5, "8": 0, "9": 7 } });
    const hidden = await insertProduct(db, { released: false, stock: { "10": 4 } });
    const { changes, inventory } = recorder();
    const lines: string[] = [];
    const totals = await simulateSales({ db, inventory, perTick: 4, tickMs: 0, log: (line) => lines.push(line) });
    expect(totals).toMatchObject({ sales: 15, soldOut: true, aborted: false });
    expect(totals.ticks).toBeGreaterThanOrEqual(4);
    for (const size of ["6", "7", "8", "9"]) expect(await stockOf(db, shoe.items[size]!)).toBe(0);
    expect(await stockOf(db, hidden.items["10"]!)).toBe(4);
    const announced = new Set(changes.flatMap((change) => change.items ?? []));
    expect([...announced].sort()).toEqual([shoe.items["6"], shoe.items["7"], shoe.items["9"]].sort());
    expect(lines[0]).toMatch(/^simulator: tick 1: sold \d+ \(total \d+\); 3 sizes were in stock$/);
    expect(lines.at(-1)).toMatch(/^simulator: sold out after \d+ ticks: 15 sales in \d+ ms$/);
    // Already sold out: stops at once.
    expect(await simulateSales({ db, inventory, log: () => {} })).toMatchObject({ sales: 0, ticks: 0, soldOut: true });
  });

  test("paces its ticks and stops when aborted", async () => {
    const db = t.database.db;
    const shoe = await insertProduct(db, { stock: { "11": 1000 } });
    const { inventory } = recorder();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 230);
    const totals = await simulateSales({ db, inventory, perTick: 2, tickMs: 100, signal: controller.signal, log: () => {} });
    expect(totals).toMatchObject({ soldOut: false, aborted: true, misses: 0 });
    // Ticks at about 0, 100 and 200 ms; a slow machine may manage only two.
    expect(totals.ticks).toBeGreaterThanOrEqual(2);
    expect(totals.ticks).toBeLessThanOrEqual(3);
    expect(totals.sales).toBe(2 * totals.ticks);
    expect(await stockOf(db, shoe.items["11"]!)).toBe(1000 - totals.sales);
  });

  test("refuses nonsense options", async () => {
    const { inventory } = recorder();
    await expect(simulateSales({ db: t.database.db, inventory, perTick: 0 })).rejects.toThrow(/perTick must be a whole number of at least 1; received 0/);
    await expect(simulateSales({ db: t.database.db, inventory, tickMs: -1 })).rejects.toThrow(RangeError);
  });
});
