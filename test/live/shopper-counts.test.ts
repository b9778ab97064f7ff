// The admin's reading of the shoppers' Presence: unique cart ids, open tabs per path, and for
// every size the distinct shoppers holding it; unchanged parts come back identical (===).

import { expect, test } from "vitest";
import { countShoppers, noShoppers } from "../../live/shopper-counts.ts";
import type { Product } from "../../src/store/inventory.ts";
import type { PresenceList } from "../../src/switchboard/index.ts";

const product = (id: number, itemIds: number[]) => ({ id, items: itemIds.map((itemId) => ({ id: itemId })) }) as unknown as Product;
const products = [product(1, [11, 12, 13]), product(2, [21, 22])];
const tab = (path: string, items: unknown[], ref: string) => ({ path, items, phx_ref: ref });

const list: PresenceList = {
  cartA: { metas: [tab("/", [11, 21], "a1"), tab("/checkout", [11, 21], "a2"), tab("/", [11, 21], "a3")] },
  cartB: { metas: [tab("/", [11], "b1")] },
  cartC: { metas: [tab("/checkout", [], "c1")] },
};

test("counts shoppers once, tabs per path, and each size once per shopper", () => {
  const counts = countShoppers(list, products);
  expect(counts.unique).toBe(3);
  expect(counts.pages).toEqual([["/", 3], ["/checkout", 2]]);
  expect(counts.inCart.get(1)).toEqual([2, 0, 0]);
  expect(counts.inCart.get(2)).toEqual([1, 0]);
});

test("nobody: zero everywhere; junk metadata is ignored", () => {
  expect(countShoppers({}, products)).toMatchObject({ unique: 0, pages: [] });
  expect(countShoppers({}, products).inCart.get(1)).toEqual([0, 0, 0]);
  const odd = countShoppers({ x: { metas: [{ path: 5, items: ["11", 12, null], phx_ref: "r" }] } } as PresenceList, products);
  expect(odd.pages).toEqual([["?", 1]]);
  expect(odd.inCart.get(1)).toEqual([0, 1, 0]);
});

test("hands back what did not change, identical, so memoised panels are reused", () => {
  const first = countShoppers(list, products, noShoppers);
  expect(countShoppers(structuredClone(list), products, first)).toBe(first);
  // Another tab on "/" of a known shopper: pages change, carts do not.
  const moreTabs = countShoppers({ ...list, cartB: { metas: [tab("/", [11], "b1"), tab("/", [11], "b2")] } }, products, first);
  expect(moreTabs.pages).not.toBe(first.pages);
  expect(moreTabs.inCart).toBe(first.inCart);
  // C adds size 22: only product 2's counts are new.
  const added = countShoppers({ ...list, cartC: { metas: [tab("/checkout", [22], "c1")] } }, products, first);
  expect(added.pages).toBe(first.pages);
  expect(added.inCart.get(1)).toBe(first.inCart.get(1));
  expect(added.inCart.get(2)).toEqual([1, 1]);
});
