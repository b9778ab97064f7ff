// The product page's pieces: a card per product and a button per size. Both are keyed memos on
// the inventory's immutable objects, so one level change re-renders one button and its card once
// for every page open on this node, and travels as that button's changed slots alone, by id.

import { html, memo } from "../src/switchboard/index.ts";
import type { Item, Product } from "../src/store/inventory.ts";

export const SizeButton = memo(
  (item: Item) => html`
  <button key=${item.id} class="size-container__entry size-container__entry--level-${item.level}"
    value=${item.id} disabled=${item.level === "out"} phx-click="add" phx-value-item=${item.id}>${item.size}</button>`,
  { keyed: true },
);

/** `countdown` is the text of a scheduled launch's countdown (null when there is none). */
export const ProductCard = memo(
  (product: Product, countdown: string | null) => html`
  <article class="product-listing" key=${product.id} data-product-id=${product.id}>
    <img class="product-listing__image" src=${product.mainImageUrl} alt=${`${product.brand} ${product.name}`} width="400" height="300" />
    <div class="product-listing__body">
      <div class="product-listing__brand">${product.brand}</div>
      <h2 class="product-listing__name">${product.name}</h2>
      <div class="product-listing__color">${product.color}</div>
      <div class="product-listing__price">${dollars(product.price)}</div>
      ${product.released
        ? html`<div class="size-container">${product.items.map((item) => SizeButton(item))}</div>`
        : html`<p class="product-listing__soon">coming soon...${countdown === null ? null : html`<span class="countdown">${countdown}</span>`}</p>`}
    </div>
  </article>`,
  { keyed: true },
);

/**
 * Every product, shared by all pages showing the same inventory at the same clock time: a page
 * without a scheduled launch passes `now` null, so the list does not depend on when it mounted.
 */
export const ProductList = memo((products: readonly Product[], now: number | null) => html`
  <main class="product-list">${products.map((product) => ProductCard(product, now === null ? null : countdownText(product, now)))}</main>`);

export const productList = (products: readonly Product[], now: number) =>
  ProductList(products, products.some((product) => !product.released && product.releaseAt !== null) ? now : null);

export function dollars(price: number): string {
  return `$${price}`;
}

/** "Launches in 2d 03:04:05" for a scheduled product, "Launching now" once its time came, else null. */
export function countdownText(product: Product, now: number): string | null {
  if (product.released || product.releaseAt === null) return null;
  const seconds = Math.ceil((Date.parse(product.releaseAt) - now) / 1000);
  if (seconds <= 0) return "Launching now";
  const days = Math.floor(seconds / 86_400);
  const clock = [Math.floor(seconds / 3600) % 24, Math.floor(seconds / 60) % 60, seconds % 60].map((n) => String(n).padStart(2, "0")).join(":");
  return `Launches in ${days > 0 ? `${days}d ` : ""}${clock}`;
}
