// The cart as shoppers see it beside the products: one line per item, newest first, a line whose
// size sold out greyed and struck through, the last refusal, and the way to checkout. An empty
// cart shows nothing (only a refusal, when there is one).

import { html } from "../src/switchboard/index.ts";
import type { CartLine } from "../src/store/cart.ts";
import { dollars } from "./product.ts";

export interface CartProps {
  readonly lines: readonly CartLine[];
  /** Why the last add or remove was refused, shown until the next one. */
  readonly notice: string | null;
  /** Where the checkout link goes; null hides it (on the checkout page itself). */
  readonly checkoutHref: string | null;
}

export const cartLine = (line: CartLine, target: number) => html`
  <div key=${line.itemId} class=${line.available ? "cart-item" : "cart-item cart-item-out"} data-item-id=${line.itemId}>
    <div class="cart-item__name">${line.brand} ${line.name}</div>
    <div class="cart-item__price">${dollars(line.price)}</div>
    <div class="cart-item__meta">Size ${line.size} · ${line.color}${line.available ? null : html` · <strong>${line.released ? "sold out" : "not released yet"}</strong>`}</div>
    <button type="button" class="cart-item__remove" phx-click="remove" phx-value-item=${line.itemId} phx-target=${target}
      aria-label=${`Remove ${line.brand} ${line.name} size ${line.size}`}>Remove</button>
  </div>`;

export const cart = ({ lines, notice, checkoutHref }: CartProps, target: number) => html`
  <section id="cart" class="cart" hidden=${lines.length === 0 && notice === null} aria-live="polite">
    ${lines.length > 0 ? html`<h2 class="cart__title">Your cart</h2>` : null}
    ${notice === null ? null : html`<p class="cart__notice" role="alert">${notice}</p>`}
    ${lines.map((line) => cartLine(line, target))}
    ${lines.length > 0 && checkoutHref !== null ? html`<a class="cart__checkout" href=${checkoutHref}>Checkout</a>` : null}
  </section>`;
