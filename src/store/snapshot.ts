// One immutable picture of the catalog and its stock, as pages read it. A change makes a new
// snapshot that replaces only the changed items, their products and the products array; every
// other object stays identical (===), so memoised templates re-render only what changed. Pure:
// rows in; out come the next snapshot, the shopper-visible events and how many units sold.

import type { InventoryEvent } from "./events.ts";
import { levelOf, type Level } from "./levels.ts";

export interface Item {
  readonly id: number;
  readonly sku: string;
  /** "6", "6.5", … "12". */
  readonly size: string;
  readonly productId: number;
  /** Units available (item_availabilities.available_count), never below 0. */
  readonly count: number;
  readonly level: Level;
  /** Its product's release state, so that an item alone says whether it can be bought. */
  readonly released: boolean;
}

export interface Product {
  readonly id: number;
  readonly sku: string;
  readonly order: number;
  readonly brand: string;
  readonly name: string;
  readonly color: string;
  /** Whole US dollars. */
  readonly price: number;
  readonly mainImageUrl: string;
  readonly released: boolean;
  /** A scheduled launch, as an ISO time (milliseconds), or null. */
  readonly releaseAt: string | null;
  /** Its sizes, smallest first. */
  readonly items: readonly Item[];
}

/** A products row as read from the database. */
export interface ProductRow {
  readonly id: number;
  readonly sku: string;
  readonly order: number;
  readonly brand: string;
  readonly name: string;
  readonly color: string;
  readonly price: number;
  readonly mainImageUrl: string;
  readonly released: boolean;
  readonly releaseAt: Date | null;
}

/** An items row with its availability (null when it has no availability row: none in stock). */
export interface ItemRow {
  readonly id: number;
  readonly sku: string;
  readonly size: string;
  readonly productId: number;
  readonly availableCount: number | null;
}

/** Rows re-read after a commit: the ids asked for, and the rows found for them. */
export interface Reread {
  readonly productIds: readonly number[];
  readonly products: readonly ProductRow[];
  readonly itemIds: readonly number[];
  readonly items: readonly ItemRow[];
}

/** What applying re-read rows gives: the next snapshot, what pages hear, and units sold. */
export interface Applied {
  readonly snapshot: Snapshot;
  readonly events: InventoryEvent[];
  /** Units sold by the change: the sum of the items' count decreases. */
  readonly sold: number;
}

export class Snapshot {
  static readonly empty = new Snapshot(Object.freeze([]), new Map(), new Map());

  readonly products: readonly Product[];
  readonly #productById: ReadonlyMap<number, Product>;
  readonly #itemById: ReadonlyMap<number, Item>;

  private constructor(products: readonly Product[], productById: ReadonlyMap<number, Product>, itemById: ReadonlyMap<number, Item>) {
    this.products = products;
    this.#productById = productById;
    this.#itemById = itemById;
  }

  /** A snapshot of every row; objects equal to `previous`'s are kept, so a reload changes only what changed. */
  static of(productRows: readonly ProductRow[], itemRows: readonly ItemRow[], previous: Snapshot = Snapshot.empty): Snapshot {
    const released = new Map(productRows.map((row) => [row.id, row.released]));
    const itemsOf = new Map<number, Item[]>();
    for (const row of itemRows) {
      if (!released.has(row.productId)) continue;
      const item = reuse(previous.item(row.id), itemFrom(row, released.get(row.productId)!), sameItem);
      let list = itemsOf.get(row.productId);
      if (!list) itemsOf.set(row.productId, (list = []));
      list.push(item);
    }
    const products = productRows.map((row) => {
      const items = (itemsOf.get(row.id) ?? []).sort(bySize);
      const old = previous.product(row.id);
      const sameItems = old !== undefined && old.items.length === items.length && old.items.every((item, i) => item === items[i]);
      return reuse(old, productFrom(row, sameItems ? old.items : Object.freeze(items)), sameProduct);
    });
    products.sort(byDisplayOrder);
    const same = products.length === previous.products.length && products.every((p, i) => p === previous.products[i]);
    return Snapshot.#index(same ? previous.products : Object.freeze(products));
  }

  static #index(products: readonly Product[]): Snapshot {
    const productById = new Map<number, Product>();
    const itemById = new Map<number, Item>();
    for (const product of products) {
      productById.set(product.id, product);
      for (const item of product.items) itemById.set(item.id, item);
    }
    return new Snapshot(products, productById, itemById);
  }

  product(id: number): Product | undefined {
    return this.#productById.get(id);
  }

  item(id: number): Item | undefined {
    return this.#itemById.get(id);
  }

  /**
   * Applies re-read rows. Returns the next snapshot, the events pages need and the units sold (the
   * sum of the counts' decreases; a restock counts nothing), or null when the change is
   * structural (a row appeared, vanished or moved to another product): load everything.
   */
  apply(reread: Reread): Applied | null {
    const productRows = new Map(reread.products.map((row) => [row.id, row]));
    const itemRows = new Map(reread.items.map((row) => [row.id, row]));
    const next = new Map<number, Product>();
    const events: InventoryEvent[] = [];
    let otherChange = false;
    let sold = 0;

    for (const id of reread.productIds) {
      const row = productRows.get(id);
      const old = this.product(id);
      if (!row || !old) return null;
      const items = row.released === old.released ? old.items : Object.freeze(old.items.map((item) => Object.freeze({ ...item, released: row.released })));
      const product = productFrom(row, items);
      if (sameProduct(old, product)) continue;
      next.set(id, product);
      if (product.released && !old.released) events.push({ type: "released", productId: id });
      else if (!product.released && product.releaseAt !== old.releaseAt) events.push({ type: "scheduled", productId: id, releaseAt: product.releaseAt });
      if (old.released && !product.released) otherChange = true;
      if (!sameLooks(old, product)) otherChange = true;
    }

    for (const id of reread.itemIds) {
      const row = itemRows.get(id);
      const old = this.item(id);
      if (!row || !old || row.productId !== old.productId || row.size !== old.size || row.sku !== old.sku) return null;
      const item = itemFrom(row, (next.get(row.productId) ?? old).released);
      sold += Math.max(0, old.count - item.count);
      // "out" is never missed: published after every change that leaves the item at 0.
      if (item.level !== old.level || item.level === "out") {
        events.push({ type: "level", productId: item.productId, itemId: id, level: item.level, previous: old.level });
      }
      if (sameItem(old, item)) continue;
      const product = next.get(item.productId) ?? this.product(item.productId)!;
      next.set(item.productId, { ...product, items: Object.freeze(product.items.map((it) => (it.id === id ? item : it))) });
    }

    if (otherChange) events.push({ type: "reloaded" });
    if (next.size === 0) return { snapshot: this, events, sold };
    const products = this.products.map((p) => (next.has(p.id) ? Object.freeze(next.get(p.id)!) : p));
    if (products.some((p, i) => p.order !== this.products[i]!.order)) products.sort(byDisplayOrder);
    return { snapshot: Snapshot.#index(Object.freeze(products)), events, sold };
  }
}

function itemFrom(row: ItemRow, released: boolean): Item {
  const count = Math.max(0, row.availableCount ?? 0);
  return Object.freeze({ id: row.id, sku: row.sku, size: row.size, productId: row.productId, count, level: levelOf(count), released });
}

function productFrom(row: ProductRow, items: readonly Item[]): Product {
  return Object.freeze({
    id: row.id,
    sku: row.sku,
    order: row.order,
    brand: row.brand,
    name: row.name,
    color: row.color,
    price: row.price,
    mainImageUrl: row.mainImageUrl,
    released: row.released,
    releaseAt: row.releaseAt ? row.releaseAt.toISOString() : null,
    items,
  });
}

function reuse<T>(old: T | undefined, fresh: T, same: (a: T, b: T) => boolean): T {
  return old !== undefined && same(old, fresh) ? old : fresh;
}

function sameItem(a: Item, b: Item): boolean {
  return a.id === b.id && a.sku === b.sku && a.size === b.size && a.productId === b.productId && a.count === b.count && a.released === b.released;
}

/** Everything but release state and items. */
function sameLooks(a: Product, b: Product): boolean {
  return a.sku === b.sku && a.order === b.order && a.brand === b.brand && a.name === b.name && a.color === b.color && a.price === b.price && a.mainImageUrl === b.mainImageUrl;
}

function sameProduct(a: Product, b: Product): boolean {
  return a.id === b.id && sameLooks(a, b) && a.released === b.released && a.releaseAt === b.releaseAt && a.items === b.items;
}

function byDisplayOrder(a: Product, b: Product): number {
  return a.order - b.order || a.id - b.id;
}

function bySize(a: Item, b: Item): number {
  return Number(a.size) - Number(b.size) || a.size.localeCompare(b.size) || a.id - b.id;
}
