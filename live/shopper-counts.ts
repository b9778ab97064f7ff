// What the admin reads from the shoppers' Presence (SHOPPERS_TOPIC): unique shoppers (cart ids with
// an open page), open tabs per page path, and for every size how many distinct shoppers hold it in
// their cart. Pure; what did not change is handed back identical (===), so memoised panels stay.

import type { PresenceList } from "../src/switchboard/index.ts";
import type { Product } from "../src/store/inventory.ts";

export interface ShopperCounts {
  /** Distinct cart ids with at least one open page. */
  readonly unique: number;
  /** [path, open tabs], ordered by path. */
  readonly pages: readonly (readonly [string, number])[];
  /** Product id → for each of its items (in the product's order), the shoppers holding it in their cart. */
  readonly inCart: ReadonlyMap<number, readonly number[]>;
}

export const noShoppers: ShopperCounts = Object.freeze({ unique: 0, pages: Object.freeze([]), inCart: new Map() });

export function countShoppers(list: PresenceList, products: readonly Product[], previous: ShopperCounts = noShoppers): ShopperCounts {
  const tabs = new Map<string, number>();
  const holders = new Map<number, number>();
  let unique = 0;
  for (const { metas } of Object.values(list)) {
    if (metas.length === 0) continue;
    unique += 1;
    const items = new Set<number>();
    for (const meta of metas) {
      const path = typeof meta.path === "string" ? meta.path : "?";
      tabs.set(path, (tabs.get(path) ?? 0) + 1);
      if (Array.isArray(meta.items)) for (const id of meta.items) if (typeof id === "number") items.add(id);
    }
    // Each shopper once, however many tabs show the cart.
    for (const id of items) holders.set(id, (holders.get(id) ?? 0) + 1);
  }
  const pages = [...tabs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const inCart = new Map<number, readonly number[]>();
  for (const product of products) {
    const counts = product.items.map((item) => holders.get(item.id) ?? 0);
    const old = previous.inCart.get(product.id);
    inCart.set(product.id, old && sameNumbers(old, counts) ? old : Object.freeze(counts));
  }
  const samePages = pages.length === previous.pages.length && pages.every(([path, n], i) => previous.pages[i]![0] === path && previous.pages[i]![1] === n);
  const sameInCart = inCart.size === previous.inCart.size && [...inCart].every(([id, counts]) => previous.inCart.get(id) === counts);
  if (unique === previous.unique && samePages && sameInCart) return previous;
  return { unique, pages: samePages ? previous.pages : pages, inCart: sameInCart ? previous.inCart : inCart };
}

export function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((n, i) => n === b[i]);
}
