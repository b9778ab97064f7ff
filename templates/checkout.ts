// The checkout page's body (the cart's lines, the total and the purchase button, or the empty
// cart's message) and the order-complete receipt that follows a purchase, or its not-found page.

import { html } from "../src/switchboard/index.ts";
import type { liveComponent } from "../src/switchboard/index.ts";
import type { CartLine } from "../src/store/cart.ts";
import type { Order, OrderLine } from "../src/store/checkout.ts";
import { connectionLost } from "./layout.ts";
import { dollars } from "./product.ts";

export const checkoutTexts = {
  purchase: "PURCHASE",
  unavailable: "SOME ITEMS NOT AVAILABLE",
  empty: "No items to checkout!",
} as const;

export interface CheckoutProps {
  readonly lines: readonly CartLine[];
  /** The live cart component, which lists the lines (sold-out ones marked) with their remove buttons. */
  readonly cart: ReturnType<typeof liveComponent>;
  /** Why the last purchase failed, shown until the next one. */
  readonly error: string | null;
  /** A purchase is under way: the button is disabled until it ends. */
  readonly purchasing: boolean;
}

export const checkout = ({ lines, cart, error, purchasing }: CheckoutProps) => html`
  <div class="page page--single">
    <section class="checkout">
      <h1>Checkout</h1>
      ${error === null ? null : html`<p class="checkout__error" role="alert">${error}</p>`}
      ${cart}
      ${lines.length === 0 ? emptyCart() : purchaseBox(lines, purchasing)}
    </section>
    ${connectionLost()}
  </div>`;

function purchaseBox(lines: readonly CartLine[], purchasing: boolean) {
  const unavailable = lines.some((line) => !line.available);
  return html`
    <div class="checkout__total"><span>Total</span><span>${dollars(total(lines))}</span></div>
    <button type="button" class="checkout__purchase" phx-click="purchase" disabled=${unavailable || purchasing}
      aria-busy=${purchasing ? "true" : null}>${unavailable ? checkoutTexts.unavailable : checkoutTexts.purchase}</button>`;
}

const emptyCart = () => html`<p class="checkout__empty">${checkoutTexts.empty} <a href="/">Back to the shop</a></p>`;

const total = (lines: readonly { price: number }[]) => lines.reduce((sum, line) => sum + line.price, 0);

const orderLine = (line: OrderLine) => html`
  <div key=${line.itemId} class="cart-item" data-item-id=${line.itemId}>
    <div class="cart-item__name">${line.brand} ${line.name}</div>
    <div class="cart-item__price">${dollars(line.price)}</div>
    <div class="cart-item__meta">Size ${line.size} · ${line.color}</div>
  </div>`;

export const orderComplete = (order: Order) => html`
  <div class="page page--single">
    <section class="checkout order-complete">
      <h1>Order Complete!</h1>
      <p class="order-complete__number">Order number ${order.id}</p>
      ${order.items.map(orderLine)}
      <div class="checkout__total"><span>Total</span><span>${dollars(order.total)}</span></div>
      <p><a href="/">Back to the shop</a></p>
    </section>
  </div>`;

/** In place of the receipt: why there is none (not found, or not loadable right now). */
export const orderMissing = (problem: string) => html`
  <div class="page page--single">
    <section class="checkout">
      <h1>Order</h1>
      <p class="checkout__error" role="alert">${problem}</p>
      <p><a href="/">Back to the shop</a></p>
    </section>
  </div>`;
