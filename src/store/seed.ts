// The catalog a fresh store starts with: the spec's two launches (13 sizes each), or a larger
// generated catalog for benchmarks, with random stock — or the same stock every time when given a
// seed. catalog() is the pure part; seed() and seedIfEmpty() write it in three bulk inserts.

import { count, sql } from "drizzle-orm";
import type { StoreDb } from "./database.ts";
import { itemAvailabilities, items, products } from "./schema.ts";

export interface SeedOptions {
  /** Makes the stock deterministic: the same numbers for the same seed, every time. */
  seed?: number;
  /** Products in the catalog (default 2, the spec's two launches; more are generated). */
  products?: number;
  /** Whether the products start released (default false: "coming soon"). */
  released?: boolean;
}

export interface CatalogItem {
  readonly sku: string;
  readonly size: string;
  readonly availableCount: number;
}

export interface CatalogProduct {
  readonly sku: string;
  readonly order: number;
  readonly brand: string;
  readonly name: string;
  readonly color: string;
  readonly price: number;
  readonly mainImageUrl: string;
  readonly released: boolean;
  readonly items: readonly CatalogItem[];
}

export interface SeedSummary {
  readonly products: number;
  readonly items: number;
}

/** The seed of deterministic catalogs (tests, demos, benchmarks) when none is chosen. */
export const DEFAULT_SEED = 23;

/** "6", "6.5", … "12". */
export const SIZES: readonly string[] = Array.from({ length: 13 }, (_, i) => String(6 + i / 2));

const LAUNCHES = [
  { brand: "Snks 23", name: "Hop Man 3", color: "yellow/blue", price: 120, mainImageUrl: "/images/hopman.png" },
  { brand: "Asler", name: "Breezy Boost 600", color: "momentum", price: 140, mainImageUrl: "/images/breezy.png" },
];
const BRANDS = ["Snks 23", "Asler", "Nordtrack", "Kestrel", "Vantage", "Solemate", "Pivot", "Ardent"];
const MODELS = ["Hop Man", "Breezy Boost", "Court Glide", "Air Drift", "Street Pulse", "Cloud Runner", "Trail Hawk", "Volt Dash", "Retro High", "Flux Low"];
const COLORS = ["yellow/blue", "momentum", "triple black", "cloud white", "sail/gum", "infrared", "olive/bone", "royal blue", "volt", "desert sand"];

/** mulberry32: a small, fast seeded PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Stock for one item: 0 with probability 0.1, otherwise 201 to 1200. */
function stock(random: () => number): number {
  return random() < 0.1 ? 0 : 201 + Math.floor(random() * 1000);
}

/** The catalog to seed, without touching a database. */
export function catalog(options: SeedOptions = {}): CatalogProduct[] {
  const size = options.products ?? 2;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`the seed's products option must be a whole number of at least 1; received ${String(options.products)}`);
  const random = mulberry32(options.seed ?? Math.floor(Math.random() * 2 ** 32));
  const released = options.released ?? false;
  return Array.from({ length: size }, (_, order) => {
    const base = 6000 + 100 * order;
    const looks = order < LAUNCHES.length ? LAUNCHES[order]! : generated(order, random);
    return {
      sku: `SHU${base}`,
      order,
      ...looks,
      released,
      items: SIZES.map((s, i) => ({ sku: `SHU${base + i + 1}`, size: s, availableCount: stock(random) })),
    };
  });
}

function generated(order: number, random: () => number) {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  return {
    brand: pick(BRANDS),
    name: `${pick(MODELS)} ${1 + Math.floor(random() * 9)}${random() < 0.3 ? "00" : ""}`,
    color: pick(COLORS),
    price: 80 + 5 * Math.floor(random() * 37),
    mainImageUrl: `/images/shoe-${order % 4}.png`,
  };
}

/** Starts the store over: clears carts, orders and the catalog, then writes a new catalog. */
export async function seed(db: StoreDb, options: SeedOptions = {}): Promise<SeedSummary> {
  const rows = catalog(options);
  return db.transaction(async (tx) => {
    await clear(tx as unknown as StoreDb);
    return insertCatalog(tx as unknown as StoreDb, rows);
  });
}

/** Empties every store table and restarts their ids. */
export async function clear(db: StoreDb): Promise<void> {
  await db.execute(sql`truncate order_items, orders, cart_items, carts, item_availabilities, items, products restart identity`);
}

/** Seeds only a database without products (safe for several nodes starting at once); null if it had some. */
export async function seedIfEmpty(db: StoreDb, options: SeedOptions = {}): Promise<SeedSummary | null> {
  return db.transaction(async (tx) => {
    // One seeder at a time: the others wait here, then find the products.
    await tx.execute(sql`select pg_advisory_xact_lock(${SEED_LOCK})`);
    const [row] = await tx.select({ n: count() }).from(products);
    if ((row?.n ?? 0) > 0) return null;
    return insertCatalog(tx as unknown as StoreDb, catalog(options));
  });
}

const SEED_LOCK = 602_323;

async function insertCatalog(db: StoreDb, rows: readonly CatalogProduct[]): Promise<SeedSummary> {
  const inserted = await db
    .insert(products)
    .values(rows.map(({ items: _, ...product }) => product))
    .returning({ id: products.id, sku: products.sku });
  const productIds = new Map(inserted.map((p) => [p.sku, p.id]));
  const itemRows = rows.flatMap((p) => p.items.map((item) => ({ sku: item.sku, size: item.size, productId: productIds.get(p.sku)! })));
  const insertedItems = await db.insert(items).values(itemRows).returning({ id: items.id, sku: items.sku });
  const itemIds = new Map(insertedItems.map((i) => [i.sku, i.id]));
  await db.insert(itemAvailabilities).values(rows.flatMap((p) => p.items.map((item) => ({ itemId: itemIds.get(item.sku)!, availableCount: item.availableCount }))));
  return { products: rows.length, items: itemRows.length };
}
