// The inventory's immutable snapshot, without a database: rows in, products out; a change
// replaces only what changed and says what shoppers would see change.

import { describe, expect, test } from "vitest";
import { Snapshot, type ItemRow, type ProductRow } from "../../src/store/snapshot.ts";

const product = (id: number, extra: Partial<ProductRow> = {}): ProductRow => ({
  id,
  sku: `SHU${6000 + 100 * (id - 1)}`,
  order: id - 1,
  brand: "Snks 23",
  name: `Shoe ${id}`,
  color: "yellow/blue",
  price: 120,
  mainImageUrl: "/images/hopman.png",
  released: false,
  releaseAt: null,
  ...extra,
});
const item = (id: number, productId: number, size: string, availableCount: number | null): ItemRow => ({ id, sku: `I${id}`, size, productId, availableCount });

const productRows = [product(1), product(2)];
const itemRows = [item(1, 1, "6.5", 600), item(2, 1, "6", 0), item(3, 1, "10", 200), item(4, 2, "6", 1), item(5, 2, "12", null)];

describe("Snapshot.of", () => {
  test("orders products by display order and sizes numerically, with counts and levels", () => {
    const snapshot = Snapshot.of([product(2, { order: -1 }), product(1)], itemRows);
    expect(snapshot.products.map((p) => p.id)).toEqual([2, 1]);
    expect(snapshot.product(1)!.items.map((i) => [i.size, i.count, i.level, i.released])).toEqual([
      ["6", 0, "out", false],
      ["6.5", 600, "high", false],
      ["10", 200, "medium", false],
    ]);
    expect(snapshot.item(5)).toMatchObject({ count: 0, level: "out" });
  });

  test("keeps every object equal to the previous snapshot's", () => {
    const first = Snapshot.of(productRows, itemRows);
    const same = Snapshot.of(productRows, itemRows, first);
    expect(same.products).toBe(first.products);
    const changed = Snapshot.of(productRows, itemRows.map((r) => (r.id === 4 ? { ...r, availableCount: 0 } : r)), first);
    expect(changed.products).not.toBe(first.products);
    expect(changed.product(1)).toBe(first.product(1));
    expect(changed.item(5)).toBe(first.item(5));
    expect(changed.item(4)).toMatchObject({ count: 0, level: "out" });
  });

  test("carries release times as ISO strings", () => {
    const at = new Date("2030-01-01T12:00:00.123Z");
    expect(Snapshot.of([product(1, { releaseAt: at })], []).product(1)!.releaseAt).toBe("2030-01-01T12:00:00.123Z");
  });
});

describe("Snapshot.apply", () => {
  const base = Snapshot.of(productRows, itemRows);
  const reread = (products: ProductRow[], items: ItemRow[]) => ({ productIds: products.map((p) => p.id), products, itemIds: items.map((i) => i.id), items });

  test("a level change replaces the item, its product and the array, and is reported", () => {
    const result = base.apply(reread([], [item(1, 1, "6.5", 499)]))!;
    expect(result.events).toEqual([{ type: "level", productId: 1, itemId: 1, level: "medium", previous: "high" }]);
    expect(result.snapshot.products).not.toBe(base.products);
    expect(result.snapshot.product(2)).toBe(base.product(2));
    expect(result.snapshot.item(2)).toBe(base.item(2));
    expect(result.snapshot.item(1)).toMatchObject({ count: 499, level: "medium" });
  });

  test("a count change within a level replaces objects but reports nothing", () => {
    const result = base.apply(reread([], [item(1, 1, "6.5", 599)]))!;
    expect(result.events).toEqual([]);
    expect(result.snapshot.item(1)!.count).toBe(599);
  });

  test("an item at 0 is always reported; an unchanged one keeps the snapshot", () => {
    const result = base.apply(reread([], [item(2, 1, "6", 0)]))!;
    expect(result.events).toEqual([{ type: "level", productId: 1, itemId: 2, level: "out", previous: "out" }]);
    expect(result.snapshot).toBe(base);
  });

  test("a release is reported and marks the product's items released", () => {
    const result = base.apply(reread([product(1, { released: true })], []))!;
    expect(result.events).toEqual([{ type: "released", productId: 1 }]);
    expect(result.snapshot.product(1)!.items.every((i) => i.released)).toBe(true);
    expect(result.snapshot.item(3)!.released).toBe(true);
    expect(result.snapshot.product(2)).toBe(base.product(2));
  });

  test("a schedule, set or cleared, is reported", () => {
    const at = new Date("2030-01-01T00:00:00Z");
    const scheduled = base.apply(reread([product(2, { releaseAt: at })], []))!;
    expect(scheduled.events).toEqual([{ type: "scheduled", productId: 2, releaseAt: at.toISOString() }]);
    expect(scheduled.snapshot.apply(reread([product(2)], []))!.events).toEqual([{ type: "scheduled", productId: 2, releaseAt: null }]);
  });

  test("units sold: the sum of the counts' decreases; a restock or a release sells nothing", () => {
    // Item 1: 600 → 590 (10 sold); item 3: 200 → 199 (1 sold); item 4: 1 → 0 (1 sold).
    const sold = base.apply(reread([], [item(1, 1, "6.5", 590), item(3, 1, "10", 199), item(4, 2, "6", 0)]))!;
    expect(sold.sold).toBe(12);
    // A restock of one and a sale of another in the same re-read: only the sale counts.
    expect(base.apply(reread([], [item(1, 1, "6.5", 900), item(3, 1, "10", 150)]))!.sold).toBe(50);
    expect(base.apply(reread([], [item(1, 1, "6.5", 601)]))!.sold).toBe(0);
    expect(base.apply(reread([], [item(2, 1, "6", 0)]))!.sold).toBe(0);
    expect(base.apply(reread([product(1, { released: true })], []))!.sold).toBe(0);
  });

  test("other product changes ask pages to re-read everything; a new display order re-sorts", () => {
    const result = base.apply(reread([product(1, { order: 9, price: 99 })], []))!;
    expect(result.events).toEqual([{ type: "reloaded" }]);
    expect(result.snapshot.products.map((p) => p.id)).toEqual([2, 1]);
  });

  test("an unknown or vanished row is structural: null, load everything", () => {
    expect(base.apply(reread([product(3)], []))).toBeNull();
    expect(base.apply(reread([], [item(9, 1, "7", 5)]))).toBeNull();
    expect(base.apply({ productIds: [1], products: [], itemIds: [], items: [] })).toBeNull();
    expect(base.apply(reread([], [item(1, 2, "6.5", 5)]))).toBeNull();
  });
});
