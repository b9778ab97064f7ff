// The timers behind scheduled launches: one per unreleased product with a release_at, firing at
// that time (at once when it is already past). Each schedule fires at most once per process; a
// changed or cleared schedule replaces or cancels its timer. The inventory does the release.

import type { Product } from "./snapshot.ts";

/** setTimeout's longest delay; a later launch re-arms when this one ends. */
const MAX_DELAY_MS = 2 ** 31 - 1;

interface Entry {
  readonly at: string;
  /** null once fired. */
  timer: NodeJS.Timeout | null;
}

export class ReleaseScheduler {
  readonly #fire: (productId: number, at: string) => void;
  readonly #entries = new Map<number, Entry>();
  readonly #now: () => number;

  constructor(fire: (productId: number, at: string) => void, now: () => number = Date.now) {
    this.#fire = fire;
    this.#now = now;
  }

  /** Arms, re-arms or cancels the product's timer to match its release state. */
  update(product: Product): void {
    const at = product.released ? null : product.releaseAt;
    const entry = this.#entries.get(product.id);
    if (entry?.at === at) return;
    this.cancel(product.id);
    if (at !== null) this.#arm(product.id, at);
  }

  /** Matches every timer to `products`, cancelling those of products no longer there. */
  updateAll(products: readonly Product[]): void {
    const ids = new Set(products.map((p) => p.id));
    for (const id of [...this.#entries.keys()]) if (!ids.has(id)) this.cancel(id);
    for (const product of products) this.update(product);
  }

  /** Forgets the product's schedule (a fired one too, so the next update arms it again). */
  cancel(productId: number): void {
    const entry = this.#entries.get(productId);
    if (entry?.timer) clearTimeout(entry.timer);
    this.#entries.delete(productId);
  }

  cancelAll(): void {
    for (const id of [...this.#entries.keys()]) this.cancel(id);
  }

  /** Product ids with a timer still to fire. */
  pending(): number[] {
    return [...this.#entries].filter(([, entry]) => entry.timer !== null).map(([id]) => id);
  }

  #arm(productId: number, at: string): void {
    const entry: Entry = { at, timer: null };
    const delay = Math.max(0, Date.parse(at) - this.#now());
    entry.timer = setTimeout(() => {
      entry.timer = null;
      if (Date.parse(at) > this.#now()) {
        this.#entries.delete(productId);
        this.#arm(productId, at);
        return;
      }
      this.#fire(productId, at);
    }, Math.min(delay, MAX_DELAY_MS));
    entry.timer.unref();
    this.#entries.set(productId, entry);
  }
}
